#!/usr/bin/env python3
"""Attention fusion (--fusion-op attention) through the commands: the
refusals where it cannot apply, a saved model that loads, predicts and
explains, and `predict --attention`'s weights.  With --accuracy (suite
slow: about 20 CPU seconds) also what it learns: shapes-xor above 0.9 test
accuracy, and shapes-complementary within 2 points of concat fusion.

Usage: test_attention.py PATH/TO/fusion-workbench [--accuracy]   (prints TAP)
"""
import json
import os
import struct
import sys
import tempfile

from cli_tap import check, finish, png, run

ACCURACY = "--accuracy" in sys.argv[2:]


def train_json(*args):
    r = run("train", "--json", *args)
    try:
        return r, json.loads(r.stdout)
    except ValueError:
        return r, {}


def read_safetensors(path):
    """{name: (dtype, shape, flat list)}, metadata"""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        fmt = {"F32": "f", "I64": "q"}[info["dtype"]]
        out[name] = (info["dtype"], info["shape"], list(struct.unpack(f"<{len(raw) // struct.calcsize(fmt)}{fmt}", raw)))
    return out, meta


if ACCURACY:
    # batch 16: attention needs more steps than concat to settle (README)
    common = ("--text-encoder", "embed", "--batch", "16", "--epochs", "8")
    r, xor = train_json("--data", "builtin:shapes-xor", "--fusion-op", "attention", *common)
    check("attention fusion learns shapes-xor (test accuracy > 0.9)",
          r.returncode == 0 and xor.get("test_accuracy", 0) > 0.9, r.stderr + r.stdout)
    r1, att = train_json("--data", "builtin:shapes-complementary", "--fusion-op", "attention", *common)
    r2, cat = train_json("--data", "builtin:shapes-complementary", "--fusion-op", "concat", *common)
    print(f"# shapes-complementary: attention {att.get('test_accuracy')}, concat {cat.get('test_accuracy')}")
    check("attention fusion matches concat on shapes-complementary within 2 points",
          r1.returncode == 0 and r2.returncode == 0
          and att.get("test_accuracy", 0) >= cat.get("test_accuracy", 1) - 0.02, r1.stderr + r2.stderr)
    finish()

# ---- refusals, each naming the way out ----
for args, words in [
        (("--text-encoder", "bow"), "--text-encoder embed, gru or transformer"),
        (("--fusion", "early", "--text-encoder", "embed"), "--fusion intermediate"),
        (("--fusion", "late", "--text-encoder", "gru"), "--fusion intermediate"),
        (("--text-encoder", "embed", "--heads", "3"), "--heads 3"),
        (("--image-encoder", "features", "--image-features", "none.npy", "--text-encoder", "embed"),
         "--fusion-op concat"),
        (("--text-encoder", "features", "--text-features", "none.npy"), "--fusion-op concat")]:
    r = run("train", "--data", "builtin:shapes", "--fusion-op", "attention", *args, "--epochs", "1")
    check(f"attention with {' '.join(args)} is refused (exit 2, a hint)",
          r.returncode == 2 and words in r.stderr, r.stderr)

with tempfile.TemporaryDirectory() as tmp:
    # a small manifest keeps contrib quick: 48 rows, 8 of them test
    os.mkdir(os.path.join(tmp, "img"))
    lines = ["image,text,label,split"]
    for i in range(48):
        square = i % 2 == 0
        png(os.path.join(tmp, "img", f"{i}.png"), 16, 40 + (i * 7) % 60, square)
        words = ["a", "square" if square else "cross", "drawn", "by", "hand"][:1 + i % 5]
        if i == 5:
            words = []                  # a row without a caption
        split = "test" if i % 6 == 0 else "val" if i % 6 == 1 else "train"
        lines.append(f"img/{i}.png,{' '.join(words)},{'square' if square else 'cross'},{split}")
    data = os.path.join(tmp, "data.csv")
    with open(data, "w") as f:
        f.write("\n".join(lines) + "\n")

    model = os.path.join(tmp, "att.safetensors")
    r, out = train_json("--data", "builtin:shapes-xor", "--fusion-op", "attention", "--image-encoder", "mlp",
                        "--text-encoder", "embed", "--heads", "2", "--epochs", "1", "--save", model)
    check("train --fusion-op attention (mlp, embed) saves a model", r.returncode == 0 and os.path.exists(model),
          r.stderr)

    r = run("eval", "--model", model, "--data", "builtin:shapes-xor", "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("the saved model evaluates to train's test accuracy",
          abs(ev.get("accuracy", -1) - out.get("test_accuracy", -2)) < 1e-9, r.stderr + r.stdout)

    pred, att = os.path.join(tmp, "p.csv"), os.path.join(tmp, "a.safetensors")
    r = run("predict", "--model", model, "--data", "builtin:shapes-xor", "--out", pred, "--attention", att)
    check("predict --attention exits 0", r.returncode == 0, r.stderr)
    with open(pred) as f:
        n = len(f.read().splitlines()) - 1
    tensors, meta = read_safetensors(att)
    geometry = json.loads(meta.get("image_tokens", "{}"))
    g, heads, L = geometry.get("grid"), geometry.get("heads"), geometry.get("max_tokens")
    check("attention file: the image grid (7 × 7 cells of 4 px at 28 px) and heads in its metadata",
          (g, geometry.get("cell"), heads, L) == (7, 4, 2, 32), meta)
    _, t_shape, t2i = tensors["text_to_image"]
    _, i_shape, i2t = tensors["image_to_text"]
    _, _, lens = tensors["text_lens"]
    check("attention file: text_to_image (rows, heads, 32, 49), image_to_text (rows, heads, 49, 32)",
          t_shape == [n, 2, 32, 49] and i_shape == [n, 2, 49, 32] and len(lens) == n,
          f"{t_shape} {i_shape} {n}")
    check("attention file: rows listed in predict's order", json.loads(meta["rows"]) ==
          [int(line.split(",")[0]) for line in open(pred).read().splitlines()[1:]])
    # every real word's weights over the image regions sum to 1, padded
    # words have none; every region's weights over the real words sum to 1
    # (0 for a row without words) and give padding exactly 0
    bad = []
    Li = g * g
    for row in range(n):
        for h in range(heads):
            for t in range(L):
                w = t2i[((row * heads + h) * L + t) * Li:((row * heads + h) * L + t + 1) * Li]
                want = 1.0 if t < lens[row] else 0.0
                if abs(sum(w) - want) > 1e-4 or min(w) < 0:
                    bad.append(("t2i", row, h, t, sum(w)))
            for i in range(Li):
                w = i2t[((row * heads + h) * Li + i) * L:((row * heads + h) * Li + i + 1) * L]
                want = 1.0 if lens[row] > 0 else 0.0
                if abs(sum(w[:lens[row]]) - want) > 1e-4 or any(w[lens[row]:]):
                    bad.append(("i2t", row, h, i, sum(w)))
    check("attention weights are distributions over the real tokens", not bad and sum(lens) > 0, bad[:5])
    check("attention weights are not uniform (the model attends)",
          any(abs(x - 1.0 / Li) > 1e-3 for x in t2i[:Li * 4] if x), t2i[:10])

    # checkpoints hold attention fusion like any model: resuming is bit-identical
    ck = os.path.join(tmp, "ck.safetensors")
    small = ("--data", "builtin:shapes-xor", "--fusion-op", "attention", "--text-encoder", "gru",
             "--hidden", "8", "--heads", "1", "--threads", "1")
    r1, straight = train_json(*small, "--epochs", "2")
    r2, _ = train_json(*small, "--epochs", "1", "--checkpoint", ck)
    r3, resumed = train_json(*small, "--epochs", "2", "--resume", ck)
    check("a resumed attention model trains to the same numbers",
          r1.returncode == r2.returncode == r3.returncode == 0 and straight
          and straight.get("final_train_loss") == resumed.get("final_train_loss")
          and straight.get("test_accuracy") == resumed.get("test_accuracy"),
          r1.stderr + r2.stderr + r3.stderr + f"{straight} {resumed}")

    cnn = os.path.join(tmp, "cnn-gru.safetensors")
    r = run("train", "--data", data, "--fusion-op", "attention", "--image-encoder", "cnn", "--text-encoder", "gru",
            "--image-size", "16", "--hidden", "16", "--epochs", "2", "--batch", "8", "--save", cnn)
    check("train --fusion-op attention (cnn, gru) on a manifest with an empty caption", r.returncode == 0, r.stderr)
    contrib = os.path.join(tmp, "c.json")
    r = run("contrib", "--model", cnn, "--data", data, "--method", "ablation,shapley,ig,emap", "--out", contrib)
    ok = r.returncode == 0
    if ok:
        c = json.load(open(contrib))
        ig = c.get("ig", {})
        numbers = json.dumps(ig)
        ok = bool(ig) and "NaN" not in numbers and "Infinity" not in numbers and "emap" in c
    check("contrib (integrated gradients through attention, EMAP) on an attention model", ok,
          r.stderr + (open(contrib).read()[:400] if os.path.exists(contrib) else ""))

    plain = os.path.join(tmp, "concat.safetensors")
    run("train", "--data", "builtin:shapes", "--epochs", "1", "--hidden", "8", "--save", plain)
    bad_out = os.path.join(tmp, "none.safetensors")
    r = run("predict", "--model", plain, "--data", "builtin:shapes", "--out", pred, "--attention", bad_out)
    check("predict --attention on a concat model: exit 1, names the model, no file",
          r.returncode == 1 and plain in r.stderr and "--fusion-op attention" in r.stderr
          and not os.path.exists(bad_out), r.stderr)

finish()
