#!/usr/bin/env python3
"""Tuning from the command line: a sweep's rows equal separate `train` runs,
--jobs 2 gives the rows of --jobs 1, an interrupted sweep leaves a valid CSV
of its finished rows, bad grids are usage errors before anything runs;
train --checkpoint/--resume continues bit for bit (metrics CSV and parameter
tensors), a damaged checkpoint is refused; early stopping keeps the best
epoch's model.

Usage: test_tuning.py PATH/TO/fusion-workbench   (prints TAP)
"""
import csv
import json
import os
import signal
import struct
import subprocess
import tempfile
import time

from cli_tap import EXE, check, finish, run

SMALL = ["--data", "builtin:shapes", "--hidden", "32", "--head-hidden", "16", "--epochs", "2"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def close(a, b):
    if a in ("", None) or b in ("", None):
        return a in ("", None) and b in ("", None)
    return abs(float(a) - float(b)) <= 1e-6


def model_tensors(path):
    """name -> raw bytes of every model tensor (a checkpoint's extras left out)"""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or name.startswith("checkpoint."):
            continue
        a, b = t["data_offsets"]
        out[name] = data[8 + n + a:8 + n + b]
    return out


with tempfile.TemporaryDirectory() as tmp:
    p = lambda name: os.path.join(tmp, name)

    # ---- sweeps ----
    grid = "lr=0.003,0.01 fusion=early,late"
    r = run("sweep", *SMALL, "--grid", grid, "--out", p("s1.csv"), "--save-dir", p("models"))
    check("sweep exits 0", r.returncode == 0, r.stderr)
    rows = read_csv(p("s1.csv")) if os.path.exists(p("s1.csv")) else []
    check("sweep writes one row per combination", len(rows) == 4, rows)
    header = list(rows[0].keys()) if rows else []
    check("sweep CSV columns", header == ["run", "lr", "fusion", "epochs_run", "train_loss", "val_loss",
                                          "val_accuracy", "test_accuracy", "params", "seconds", "model"],
          header)
    check("sweep prints the best run by val_accuracy",
          rows and f"best run {max(rows, key=lambda x: float(x['val_accuracy']))['run']}:" in r.stdout,
          r.stdout)
    check("sweep shows progress", "[4/4]" in r.stderr, r.stderr)
    for row in rows:
        t = run("train", *SMALL, "--lr", row["lr"], "--fusion", row["fusion"], "--json")
        out = json.loads(t.stdout) if t.returncode == 0 else {}
        same = (close(row["train_loss"], out.get("final_train_loss"))
                and close(row["val_loss"], out.get("val_loss"))
                and close(row["val_accuracy"], out.get("val_accuracy"))
                and close(row["test_accuracy"], out.get("test_accuracy"))
                and int(row["params"]) == out.get("params") and int(row["epochs_run"]) == 2)
        check(f"sweep row {row['run']} equals a separate train", same, f"{row}\n{t.stdout}{t.stderr}")
        e = run("eval", "--model", row["model"], "--data", "builtin:shapes", "--json")
        acc = json.loads(e.stdout).get("accuracy") if e.returncode == 0 else None
        check(f"sweep row {row['run']}'s saved model has its test accuracy",
              acc is not None and close(acc, row["test_accuracy"]), e.stdout + e.stderr)

    # jobs 1 trains with both cores, jobs 2 with one each: the same rows to
    # the printed digits (6 significant, the last may round differently)
    r = run("sweep", *SMALL, "--grid", grid, "--out", p("s2.csv"), "--jobs", "2", "--quiet")
    rows2 = read_csv(p("s2.csv")) if r.returncode == 0 else []
    strip = lambda rs: [{k: v for k, v in x.items() if k not in ("seconds", "model")} for x in rs]
    near = lambda a, b: a == b or (a and b and abs(float(a) - float(b)) <= 2e-6 * max(1.0, abs(float(a))))
    check("sweep --jobs 2 gives the rows of --jobs 1",
          len(rows2) == len(rows) == 4 and all(near(x[k], y[k]) for x, y in zip(strip(rows2), strip(rows)) for k in x),
          f"{rows2}\n{rows}\n{r.stderr}")
    # with the threads fixed, bit for bit
    same = []
    for jobs in ("1", "2"):
        r = run("sweep", *SMALL, "--grid", grid, "--threads", "1", "--out", p(f"t{jobs}.csv"), "--jobs", jobs, "--quiet")
        same.append(strip(read_csv(p(f"t{jobs}.csv"))) if r.returncode == 0 else None)
    check("sweep --jobs 2 --threads 1 gives exactly the rows of --jobs 1 --threads 1",
          same[0] is not None and same[0] == same[1] and len(same[0]) == 4, same)

    r = run("sweep", *SMALL, "--grid", "lr=0.001,0.002,0.003 hidden=8,16,32", "--random", "4",
            "--out", p("s3.csv"), "--metric", "val_loss", "--quiet")
    rows3 = read_csv(p("s3.csv")) if r.returncode == 0 else []
    combos = {(x["lr"], x["hidden"]) for x in rows3}
    check("sweep --random 4 runs 4 distinct combinations", len(rows3) == 4 and len(combos) == 4, rows3)
    check("sweep --metric val_loss picks the lowest",
          rows3 and f"best run {min(rows3, key=lambda x: float(x['val_loss']))['run']}:" in r.stdout, r.stdout)

    for args, what in [(["--grid", "lr=0.1,abc"], "bad value"),
                       (["--grid", "nonsense=1"], "unknown option"),
                       (["--grid", "lr=0.1", "--bogus", "1"], "unknown flag"),
                       (["--grid", "fusion=early image-encoder=cnn"], "invalid combination"),
                       (["--grid", "lr=0.1", "--jobs", "0"], "bad --jobs"),
                       (["--grid", "lr=0.1", "--metric", "speed"], "bad --metric"),
                       (["--grid", "lr"], "no values")]:
        out = p("never.csv")
        r = run("sweep", *SMALL, *args, "--out", out)
        check(f"sweep: {what} is a usage error before anything runs",
              r.returncode == 2 and not os.path.exists(out) and "sweep" in r.stderr, r.stderr)

    # Ctrl+C after the first finished row: the CSV holds exactly the finished rows
    out = p("int.csv")
    proc = subprocess.Popen([EXE, "sweep", "--data", "builtin:shapes", "--hidden", "64", "--epochs", "6",
                             "--grid", "lr=0.001,0.002,0.003,0.004,0.005,0.006,0.007,0.008", "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(out) and len(read_csv(out)) >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    so, se = proc.communicate(timeout=120)
    rows = read_csv(out) if os.path.exists(out) else []
    complete = all(len(x) == 10 and None not in x and None not in x.values() and x["val_accuracy"] != ""
                   for x in rows)
    check("an interrupted sweep exits 130 with a valid CSV of its finished rows",
          proc.returncode == 130 and 1 <= len(rows) < 8 and complete, f"{proc.returncode}\n{rows}\n{se}")
    check("an interrupted sweep leaves no temporary files",
          sorted(f for f in os.listdir(tmp) if f.startswith("int")) == ["int.csv"], os.listdir(tmp))

    # ---- checkpoints ----
    base = ["--data", "builtin:shapes", "--hidden", "32", "--head-hidden", "16", "--threads", "1",
            "--modality-dropout", "0.2", "--quiet"]
    r1 = run("train", *base, "--epochs", "4", "--metrics", p("a.csv"), "--save", p("a.st"))
    r2 = run("train", *base, "--epochs", "2", "--checkpoint", p("cp.st"))
    r3 = run("train", "--data", "builtin:shapes", "--threads", "1", "--quiet", "--resume", p("cp.st"),
             "--epochs", "4", "--metrics", p("b.csv"), "--save", p("b.st"), "--checkpoint", p("cp.st"))
    check("train, train --checkpoint and train --resume exit 0",
          r1.returncode == r2.returncode == r3.returncode == 0, r1.stderr + r2.stderr + r3.stderr)
    drop_seconds = lambda path: [line.rsplit(",", 1)[0] for line in open(path)] if os.path.exists(path) else None
    a, b = drop_seconds(p("a.csv")), drop_seconds(p("b.csv"))
    check("2 epochs + resume to 4 writes the metrics CSV of 4 straight epochs", a and a == b and len(a) == 5,
          f"{a}\n{b}")
    ta, tb = model_tensors(p("a.st")), model_tensors(p("b.st"))
    check("2 epochs + resume to 4 gives byte-identical parameter tensors", ta and ta == tb)
    tc = model_tensors(p("cp.st"))
    check("the checkpoint holds the final weights too", tc == ta)
    e = run("eval", "--model", p("cp.st"), "--data", "builtin:shapes", "--json")
    check("a checkpoint loads as an ordinary model (eval)", e.returncode == 0, e.stderr)

    data = bytearray(open(p("cp.st"), "rb").read())
    data[-20] ^= 0x40
    open(p("bad.st"), "wb").write(data)
    r = run("train", "--data", "builtin:shapes", "--resume", p("bad.st"), "--epochs", "6")
    check("a damaged checkpoint is refused naming the file", r.returncode == 1 and "bad.st" in r.stderr
          and "checksum" in r.stderr, r.stderr)
    open(p("cut.st"), "wb").write(bytes(data[:len(data) // 2]))
    r = run("train", "--data", "builtin:shapes", "--resume", p("cut.st"), "--epochs", "6")
    check("a cut checkpoint is refused naming the file", r.returncode == 1 and "cut.st" in r.stderr, r.stderr)
    r = run("train", "--data", "builtin:shapes", "--resume", p("a.st"), "--epochs", "6")
    check("a plain model file is not a checkpoint", r.returncode == 1 and "a.st" in r.stderr, r.stderr)
    r = run("train", "--data", "builtin:shapes", "--resume", p("cp.st"), "--epochs", "6", "--hidden", "64")
    check("resume refuses a changed option as a usage error", r.returncode == 2 and "--hidden" in r.stderr,
          r.stderr)
    r = run("train", "--data", "builtin:shapes-xor", "--resume", p("cp.st"), "--epochs", "6")
    check("resume refuses other data", r.returncode == 1 and "data" in r.stderr, r.stderr)

    # ---- early stopping ----
    r = run("train", "--data", "builtin:shapes-missing", "--hidden", "64", "--head-hidden", "32", "--batch", "32",
            "--lr", "0.03", "--epochs", "20", "--patience", "2", "--threads", "1", "--json", "--quiet",
            "--metrics", p("es.csv"), "--save", p("es.st"))
    out = json.loads(r.stdout) if r.returncode == 0 else {}
    check("--patience stops before --epochs", out.get("epochs_run", 99) < 20
          and out.get("epochs_run") == out.get("best_epoch", 0) + 2, r.stdout + r.stderr)
    m = read_csv(p("es.csv")) if os.path.exists(p("es.csv")) else []
    best = m[out["best_epoch"] - 1] if m and out.get("best_epoch") else {}
    check("--json's val_accuracy is the best epoch's",
          best and close(best["val_accuracy"], out.get("val_accuracy")), f"{m}\n{out}")
    e = run("eval", "--model", p("es.st"), "--data", "builtin:shapes-missing", "--split", "val", "--json")
    acc = json.loads(e.stdout).get("accuracy") if e.returncode == 0 else None
    check("the saved model's validation accuracy is the best epoch's",
          best and acc is not None and abs(acc - float(best["val_accuracy"])) < 1e-5
          and float(m[-1]["val_loss"]) > float(best["val_loss"]), f"{acc} {best} {e.stderr}")
    with open(p("text.csv"), "w") as f:   # captions only, train and test rows: no val rows at fraction 0
        f.write("image,text,label,split\n" + "".join(f",a {c} thing {i},{c},{'test' if i < 4 else 'train'}\n"
                                                     for i in range(20) for c in ("red", "blue")))
    r = run("train", "--data", p("text.csv"), "--val-fraction", "0", "--patience", "2", "--epochs", "2")
    check("--patience without validation rows is refused", r.returncode == 1 and "patience" in r.stderr,
          r.stderr)

finish()
