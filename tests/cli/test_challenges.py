#!/usr/bin/env python3
"""The challenges commands as a user meets them: `robustness` agrees with
`eval` at level 0 and with `predict` on a manifest whose image (or text)
cells are all empty at p = 1, gives the same file for the same seed, refuses
bad levels (exit 2) and leaves no file when interrupted; `learning-curve` at
fraction 1 equals a plain `train`; `train --json` reports the model's cost.

Usage: test_challenges.py PATH/TO/fusion-workbench   (prints TAP)
"""
import csv
import json
import os
import signal
import subprocess
import tempfile
import time

from cli_tap import EXE, check, finish, png, run


def manifest(path, rows, drop=None):
    """rows: (image, text, label, split); drop empties that column's cells"""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "text", "label", "split"])
        for image, text, label, split in rows:
            w.writerow(["" if drop == "image" else image, "" if drop == "text" else text,
                        label, split])


def predicted_accuracy(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return sum(r["label"] == r["predicted"] for r in rows) / len(rows), len(rows)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "img"))
    rows = []
    for i in range(160):
        square = i % 2 == 0
        png(os.path.join(tmp, "img", f"{i}.png"), 16, 30 + (i * 7) % 80, square)
        # a third of the captions name the other class: both modalities matter
        says_square = square if i % 3 else not square
        rows.append((f"img/{i}.png", f"a {'square' if says_square else 'cross'} in gray",
                     "square" if square else "cross", "test" if i % 4 == 0 else "train"))
    data = os.path.join(tmp, "data.csv")
    manifest(data, rows)
    model = os.path.join(tmp, "late.safetensors")
    common = ["--image-size", "16", "--hidden", "16", "--head-hidden", "8", "--batch", "16",
              "--threads", "1"]

    r = run("train", "--data", data, "--fusion", "late", "--epochs", "4", *common, "--save", model,
            "--json", "--quiet")
    check("train exits 0", r.returncode == 0, r.stderr)
    train = json.loads(r.stdout) if r.returncode == 0 else {}
    check("train --json reports params, flops, activations and inference time",
          all(isinstance(train.get(k), (int, float)) and train[k] > 0
              for k in ("params", "flops_per_sample", "peak_activation_bytes",
                        "inference_ms_per_sample"))
          and isinstance(train.get("params"), int) and isinstance(train.get("flops_per_sample"), int),
          r.stdout)

    out = os.path.join(tmp, "r.json")
    r = run("robustness", "--model", model, "--data", data, "--out", out, "--seed", "3")
    rj = load_json(out)
    curves = rj.get("curves", {})
    check("robustness exits 0 and writes every curve",
          r.returncode == 0 and set(curves) == {"missing_image", "missing_text", "image_noise",
                                                "text_noise", "misaligned"},
          r.stderr + r.stdout)
    check("R.json has the issue's keys",
          rj.get("split") == "test" and rj.get("n") == 40 and rj.get("seed") == 3
          and rj.get("model", {}).get("fusion") == "late"
          and all({"levels", "accuracy", "loss", "auc", "relative_robustness"} <= set(c)
                  and "effective_robustness" not in c for c in curves.values()),
          json.dumps(rj)[:400])
    check("default levels",
          curves.get("missing_text", {}).get("levels") == [0, 0.1, 0.25, 0.5, 0.75, 1]
          and curves.get("image_noise", {}).get("levels") == [0, 0.05, 0.1, 0.2, 0.4, 0.8])
    r = run("eval", "--model", model, "--data", data, "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("level 0 of every curve is eval's accuracy and loss",
          all(abs(c["accuracy"][0] - ev.get("accuracy", -1)) < 1e-9
              and abs(c["loss"][0] - ev.get("loss", -1)) < 1e-5 * max(1, ev.get("loss", 1))
              for c in curves.values()), f"{ev} {[c['accuracy'][0] for c in curves.values()]}")

    for kind in ("image", "text"):
        empty = os.path.join(tmp, f"no-{kind}.csv")
        manifest(empty, rows, drop=kind)
        pred = os.path.join(tmp, f"pred-no-{kind}.csv")
        r = run("predict", "--model", model, "--data", empty, "--out", pred)
        acc, n = predicted_accuracy(pred) if r.returncode == 0 else (-1, 0)
        top = curves.get(f"missing_{kind}", {}).get("accuracy", [None])[-1]
        check(f"missing_{kind} at p = 1 is predict's accuracy with every {kind} cell empty",
              n == 40 and top is not None and abs(top - acc) < 1e-12, f"{top} vs {acc} ({r.stderr})")

    again = os.path.join(tmp, "again.json")
    run("robustness", "--model", model, "--data", data, "--out", again, "--seed", "3")
    with open(out, "rb") as a, open(again, "rb") as b:
        check("the same seed gives the same JSON", a.read() == b.read())

    base = os.path.join(tmp, "image.safetensors")
    run("train", "--data", data, "--fusion", "image", "--epochs", "4", *common, "--save", base,
        "--quiet")
    withbase = os.path.join(tmp, "base.json")
    r = run("robustness", "--model", model, "--data", data, "--baseline", base,
            "--perturb", "missing_image", "--levels", "0,0.5,1", "--out", withbase)
    bj = load_json(withbase)
    c = bj.get("curves", {}).get("missing_image", {})
    check("--baseline adds effective_robustness; --perturb and --levels choose",
          r.returncode == 0 and list(bj.get("curves", {})) == ["missing_image"]
          and c.get("levels") == [0, 0.5, 1] and isinstance(c.get("effective_robustness"), float)
          and bj.get("baseline", {}).get("fusion") == "image", r.stderr)

    bad = os.path.join(tmp, "bad.json")
    for args, what in ((["--levels", "0,1.5"], "a level above 1"),
                       (["--levels", "-0.1,0.5", "--perturb", "image_noise"], "a negative σ"),
                       (["--levels", "0,0.5,0.2"], "decreasing levels"),
                       (["--levels", "0,x"], "a level that is not a number"),
                       (["--perturb", "blur"], "an unknown perturbation")):
        r = run("robustness", "--model", model, "--data", data, "--out", bad, *args)
        check(f"{what} is a usage error (2) and writes nothing",
              r.returncode == 2 and not os.path.exists(bad) and "robustness" in r.stderr, r.stderr)
    r = run("robustness", "--model", model, "--data", data, "--levels", "0,2", "--perturb",
            "image_noise", "--out", bad)
    check("σ above 1 is allowed for image_noise", r.returncode == 0, r.stderr)
    os.remove(bad)

    # Ctrl+C: a long sweep (every row, many levels) is interrupted once it
    # has started; no R.json and no temporary file are left
    slow = os.path.join(tmp, "slow.safetensors")
    run("train", "--data", "builtin:shapes", "--epochs", "1", "--hidden", "32", "--threads", "1",
        "--save", slow, "--quiet")
    outdir = os.path.join(tmp, "interrupted")
    os.mkdir(outdir)
    target = os.path.join(outdir, "r.json")
    levels = ",".join(str(i / 100) for i in range(101))
    p = subprocess.Popen([EXE, "robustness", "--model", slow, "--data", "builtin:shapes",
                          "--split", "all", "--levels", levels, "--out", target],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stderr.readline()          # the sweep has started
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check("Ctrl+C stops robustness (130) and leaves no file",
          p.returncode == 130 and os.listdir(outdir) == [] and "interrupted" in err,
          f"{p.returncode} {first} {err} {os.listdir(outdir)}")

    # learning curve: fraction 1 is a plain train with the same options and seed
    lc_path = os.path.join(tmp, "lc.json")
    r = run("learning-curve", "--data", data, "--fusion", "intermediate", "--epochs", "2", *common,
            "--seed", "4", "--fractions", "0.25,0.5,1", "--out", lc_path)
    lc = load_json(lc_path)
    check("learning-curve writes LC.json",
          r.returncode == 0 and lc.get("fractions") == [0.25, 0.5, 1]
          and len(lc.get("test_accuracy", [])) == 3 and lc.get("test_accuracy_std") == [0, 0, 0],
          r.stderr + json.dumps(lc))
    r = run("train", "--data", data, "--fusion", "intermediate", "--epochs", "2", *common,
            "--seed", "4", "--json", "--quiet")
    plain = json.loads(r.stdout) if r.returncode == 0 else {}
    check("fraction 1 equals a plain train",
          lc.get("train_n", [0])[-1] == plain.get("train_n")
          and abs(lc.get("test_accuracy", [0])[-1] - plain.get("test_accuracy", -1)) < 1e-9,
          f"{lc} {plain}")
    # each of the two classes keeps round(f·n_c) rows: within one of f·train_n
    # (test-robustness counts the rows per class)
    n_all = plain.get("train_n", 0)
    check("smaller fractions train on fewer rows",
          len(lc.get("train_n", [])) == 3
          and all(abs(n - f * n_all) <= 1 for n, f in zip(lc["train_n"][:2], (0.25, 0.5))),
          f"{lc.get('train_n')} of {n_all}")
    r = run("learning-curve", "--data", data, *common, "--epochs", "1", "--fractions", "0.5,1",
            "--repeats", "3", "--out", lc_path)
    lc = load_json(lc_path)
    check("repeats give a spread", r.returncode == 0 and lc.get("repeats") == 3
          and len(lc.get("test_accuracy_std", [])) == 2, r.stderr)
    for args, what in ((["--fractions", "0,1"], "fraction 0"),
                       (["--fractions", "1.5"], "a fraction above 1"),
                       (["--fractions", "1", "--repeats", "0"], "zero repeats")):
        r = run("learning-curve", "--data", data, "--out", bad, *args)
        check(f"learning-curve: {what} is a usage error (2)",
              r.returncode == 2 and not os.path.exists(bad), r.stderr)

finish()
