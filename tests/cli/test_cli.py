#!/usr/bin/env python3
"""The headless commands as a user meets them: a hand-made CSV of PNG files
trains with --json, eval agrees with train, and every mistake ends with a
message naming the file (and row) and the documented exit status.

Usage: test_cli.py PATH/TO/fusion-workbench   (prints TAP)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

EXE = sys.argv[1]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} {name}")
    if not ok and detail:
        for line in str(detail).splitlines():
            print(f"# {line}")


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300)


def png(path, size, shade, square):
    """A gray PNG written by hand: a dark or light square or cross on white."""
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = 3 <= x < size - 3 and 3 <= y < size - 3
            if not square:
                inside = inside and (abs(x - size // 2) < 2 or abs(y - size // 2) < 2)
            row.append(shade if inside else 255)
        rows.append(bytes(row))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "img"))
    lines = ["image,text,label"]
    for i in range(120):
        square = i % 2 == 0
        png(os.path.join(tmp, "img", f"{i}.png"), 16, 40 + (i * 7) % 60, square)
        caption = f'"a {"square" if square else "cross"}, drawn ""by hand"""'
        lines.append(f"img/{i}.png,{caption},{'square' if square else 'cross'}")
    manifest = os.path.join(tmp, "data.csv")
    with open(manifest, "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")
    model = os.path.join(tmp, "m.safetensors")
    metrics = os.path.join(tmp, "m.csv")

    r = run("train", "--data", manifest, "--fusion", "late", "--epochs", "3", "--batch", "8", "--image-size", "16",
            "--hidden", "32", "--json", "--save", model, "--metrics", metrics)
    check("train exits 0", r.returncode == 0, r.stderr)
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = {}
    keys = {"fusion", "train_n", "val_n", "test_n", "classes", "epochs", "epochs_run",
            "best_epoch", "params", "load_seconds", "train_seconds", "samples_per_second",
            "final_train_loss", "val_loss", "val_accuracy", "test_accuracy", "test_loss"}
    check("train --json prints exactly the documented keys", set(out) == keys, r.stdout)
    check("train --json counts rows and classes",
          out.get("train_n", 0) + out.get("val_n", 0) + out.get("test_n", 0) == 120
          and out.get("classes") == 2 and out.get("fusion") == "late" and out.get("epochs") == 3,
          r.stdout)
    check("a separable dataset is learned", (out.get("test_accuracy") or 0) > 0.8, r.stdout)
    with open(metrics) as f:
        rows = f.read().splitlines()
    check("metrics CSV header and one row per epoch",
          rows[0] == "epoch,train_loss,val_loss,train_accuracy,val_accuracy,seconds"
          and len(rows) == 4, rows)

    r = run("eval", "--model", model, "--data", manifest, "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("eval --json keys", set(ev) == {"n", "accuracy", "loss"}, r.stdout + r.stderr)
    check("eval on the test split agrees with train",
          ev.get("n") == out.get("test_n") and ev.get("accuracy") == out.get("test_accuracy"),
          f"{ev} vs {out}")

    one_class = os.path.join(tmp, "squares.csv")
    with open(one_class, "w") as f:
        f.write("\n".join(lines[:1] + [l for l in lines[1:] if l.endswith(",square")]) + "\n")
    r = run("eval", "--model", model, "--data", one_class, "--split", "all", "--json")
    check("eval runs a saved model on data with a single class",
          r.returncode == 0 and json.loads(r.stdout or "{}").get("n") == 60, r.stdout + r.stderr)
    r = run("train", "--data", one_class, "--image-size", "16")
    check("train refuses data with a single class (1) naming the file",
          r.returncode == 1 and "squares.csv" in r.stderr, r.stderr)

    r = run("train", "--fusion", "late")
    check("train without --data is bad usage (2)", r.returncode == 2 and "--data" in r.stderr, r.stderr)
    r = run("train", "--data", manifest, "--fusion", "sideways")
    check("a bad option value is bad usage (2)", r.returncode == 2 and "sideways" in r.stderr, r.stderr)
    r = run("train", "--data", manifest, "--frobnicate", "1")
    check("an unknown option is bad usage (2)", r.returncode == 2 and "frobnicate" in r.stderr, r.stderr)
    r = run("train", "--data", manifest, "--fusion", "early", "--image-encoder", "cnn")
    check("an impossible combination is bad usage (2)", r.returncode == 2, r.stderr)
    r = run("train", "--help")
    check("train --help lists each option's own values",
          "--optimizer adam|sgd " in r.stdout and "--color gray|rgb " in r.stdout
          and "--image-encoder mlp|cnn " in r.stdout, r.stdout)
    for cmd in ("train", "eval", "datasets"):
        r = run(cmd, "--help")
        check(f"{cmd} --help exits 0", r.returncode == 0 and "--" in r.stdout, r.stderr)

    missing = os.path.join(tmp, "nope.csv")
    r = run("train", "--data", missing)
    check("a missing manifest is bad input (1) naming the file",
          r.returncode == 1 and "nope.csv" in r.stderr, r.stderr)

    broken = os.path.join(tmp, "broken.csv")
    with open(broken, "w") as f:
        f.write("\n".join(lines[:6] + ["img/999.png,a lost image,square"] + lines[6:]) + "\n")
    r = run("train", "--data", broken, "--image-size", "16")
    check("a missing image is bad input (1) naming file and row",
          r.returncode == 1 and "broken.csv" in r.stderr and "999.png" in r.stderr
          and "6" in r.stderr, r.stderr)

    out_csv = os.path.join(tmp, "no-such-dir", "metrics.csv")
    r = run("train", "--data", manifest, "--image-size", "16", "--epochs", "1", "--hidden", "8",
            "--metrics", out_csv)
    check("an unwritable metrics path fails (1) and leaves nothing",
          r.returncode == 1 and not os.path.exists(out_csv), r.stderr)

    bad_model = os.path.join(tmp, "bad.safetensors")
    with open(model, "rb") as f:
        data = f.read()
    with open(bad_model, "wb") as f:
        f.write(data[: len(data) // 2])
    r = run("eval", "--model", bad_model, "--data", manifest)
    check("a truncated model is bad input (1) naming the file",
          r.returncode == 1 and "bad.safetensors" in r.stderr, r.stderr)

print(f"1..{len(results)}")
sys.exit(0 if all(results) else 1)
