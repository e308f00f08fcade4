#!/usr/bin/env python3
"""The headless commands as a user meets them: a hand-made CSV of PNG files
trains with --json, eval agrees with train, and every mistake ends with a
message naming the file (and row) and the documented exit status.

Usage: test_cli.py PATH/TO/fusion-workbench   (prints TAP)
"""
import json
import os
import resource
import signal
import struct
import subprocess
import tempfile

from cli_tap import EXE, check, finish, png, run


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
            "best_epoch", "load_seconds", "train_seconds", "samples_per_second",
            "final_train_loss", "val_loss", "val_accuracy", "test_accuracy", "test_loss",
            "params", "flops_per_sample", "peak_activation_bytes", "inference_ms_per_sample"}
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
    check("eval --json keys", set(ev) == {"n", "accuracy", "loss", "overlap_with_training"},
          r.stdout + r.stderr)
    check("eval on the test split: no row the model trained on, no warning",
          ev.get("overlap_with_training") == 0 and "warning" not in r.stderr, r.stdout + r.stderr)
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
    r = run("train", "--data", manifest, "--text-encoder", "transformer", "--heads", "3")
    check("--heads that does not divide the 64 token features is bad usage (2) saying so",
          r.returncode == 2 and "--heads 3" in r.stderr and "64" in r.stderr, r.stderr)
    r = run("train", "--data", manifest, "--fusion", "early", "--text-encoder", "transformer")
    check("early fusion refuses the transformer encoder (2) naming it",
          r.returncode == 2 and "transformer" in r.stderr, r.stderr)
    r = run("train", "--help")
    check("train --help lists each option's own values",
          "--optimizer adam|sgd " in r.stdout and "--color gray|rgb " in r.stdout
          and "--image-encoder mlp|cnn|features " in r.stdout, r.stdout)
    check("train --help prints doubles as written: --val-fraction [0.1], --lr [0.001]",
          "[0.1]" in r.stdout and "[0.001]" in r.stdout and "0000000" not in r.stdout, r.stdout)
    shapes = os.path.join(tmp, "shapes.safetensors")
    run("train", "--data", "builtin:shapes", "--epochs", "1", "--hidden", "8", "--save", shapes)
    r = run("contrib", "--model", shapes, "--data", "builtin:shapes", "--split", "all", "--method", "emap",
            "--out", os.path.join(tmp, "emap.json"))
    check("contrib says EMAP used its first 500 rows, not all 2000",
          r.returncode == 0 and "emap on the first 500 rows" in r.stdout, r.stdout + r.stderr)
    # the Transformer text encoder end to end: saved with its layers and
    # heads, evaluated to train's figure, explained by integrated gradients
    tf = os.path.join(tmp, "tf.safetensors")
    r = run("train", "--data", "builtin:shapes", "--fusion", "late", "--text-encoder", "transformer",
            "--layers", "1", "--heads", "2", "--epochs", "1", "--hidden", "8", "--json", "--save", tf)
    tr = json.loads(r.stdout) if r.returncode == 0 else {}
    r = run("eval", "--model", tf, "--data", "builtin:shapes", "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("a transformer model saves, loads and evaluates to train's test accuracy",
          "test_accuracy" in tr and ev.get("accuracy") == tr.get("test_accuracy"), r.stdout + r.stderr)
    r = run("contrib", "--model", tf, "--data", "builtin:shapes", "--method", "ig",
            "--out", os.path.join(tmp, "tf-ig.json"))
    check("contrib runs integrated gradients through the transformer",
          r.returncode == 0 and os.path.getsize(os.path.join(tmp, "tf-ig.json")) > 0, r.stdout + r.stderr)
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

    # evaluating on rows the model trained on is said, in numbers and on stderr
    r = run("eval", "--model", model, "--data", manifest, "--split", "train", "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("eval on the train split counts every row as trained on, with a warning",
          ev.get("overlap_with_training") == out.get("train_n") and ev.get("n") == out.get("train_n")
          and "warning" in r.stderr and "trained on" in r.stderr, r.stdout + r.stderr)
    # the same rows in another order with new rows among them: the split of
    # each old row stays, so the test rows are still unseen
    grown = os.path.join(tmp, "grown.csv")
    extra = [f"img/{i}.png,another caption {i},{'square' if i % 2 == 0 else 'cross'}" for i in range(0, 120, 3)]
    with open(grown, "w") as f:
        f.write("\n".join(lines[:1] + extra[:20] + lines[:0:-1] + extra[20:]) + "\n")
    for cmd in ("eval", "predict", "contrib"):
        outfile = os.path.join(tmp, f"grown-{cmd}.out")
        r = run(cmd, "--model", model, "--data", grown, "--split", "all", *(("--json",) if cmd == "eval" else ("--out", outfile)))
        check(f"{cmd} warns on stderr that 120 rows of the grown data were trained on or held out",
              r.returncode == 0 and "warning: %d of the 160 rows" % out.get("train_n", -1) in r.stderr,
              r.stdout + r.stderr)
    r = run("eval", "--model", model, "--data", grown, "--json")
    ev = json.loads(r.stdout) if r.returncode == 0 else {}
    check("rows added around the old ones leave their split alone: the test split holds no trained row",
          ev.get("overlap_with_training") == 0 and ev.get("n", 0) >= out.get("test_n", 1), r.stdout + r.stderr)

    # a bad --split is refused before anything is loaded (even a missing file)
    r = run("eval", "--model", model, "--data", missing, "--split", "tset")
    check("a bad --split is bad usage (2) before loading", r.returncode == 2 and "tset" in r.stderr
          and "nope.csv" not in r.stderr, r.stderr)

    # after skipped rows, predict's index is still the manifest's row; eval
    # skips rows of a label the model does not know and names the real row
    holey = os.path.join(tmp, "holey.csv")
    with open(holey, "w") as f:
        f.write("\n".join([lines[0], "img/999.png,gone,square", lines[1], "img/2.png,a bird,bird",
                           "img/998.png,gone too,cross"] + lines[2:12]) + "\n")
    pred = os.path.join(tmp, "holey-pred.csv")
    r = run("predict", "--model", model, "--data", holey, "--split", "all", "--out", pred, "--skip-bad-rows")
    index = []
    if r.returncode == 0:
        with open(pred) as f:
            index = [int(line.split(",")[0]) for line in f.read().splitlines()[1:]]
    check("predict --skip-bad-rows: index is the manifest's data row", index == [1] + list(range(4, 14)),
          f"{index}\n{r.stderr}")
    check("the skipped label is named with its row", "row 3: label 'bird'" in r.stderr, r.stderr)
    bird = os.path.join(tmp, "bird.csv")
    with open(bird, "w") as f:
        f.write("\n".join(lines[:30] + ["img/2.png,a bird,bird"] + lines[30:40]) + "\n")
    r = run("eval", "--model", model, "--data", bird, "--split", "all", "--json")
    check("without --skip-bad-rows an unknown label is bad input (1) naming its row",
          r.returncode == 1 and "row 30:" in r.stderr and "bird" in r.stderr, r.stderr)
    r = run("eval", "--model", model, "--data", bird, "--split", "all", "--json", "--skip-bad-rows")
    check("with --skip-bad-rows eval skips it", r.returncode == 0 and json.loads(r.stdout).get("n") == 39,
          r.stdout + r.stderr)
    many = os.path.join(tmp, "many-bad.csv")
    with open(many, "w") as f:
        f.write("\n".join(lines[:20] + [f"img/lost{i}.png,x,square" for i in range(13)]) + "\n")
    r = run("eval", "--model", model, "--data", many, "--split", "all", "--skip-bad-rows")
    check("the skipped-row list says how many more past ten",
          r.returncode == 0 and "skipped 13 bad rows" in r.stderr and "and 3 more" in r.stderr, r.stderr)

    bad_model = os.path.join(tmp, "bad.safetensors")
    with open(model, "rb") as f:
        data = f.read()
    with open(bad_model, "wb") as f:
        f.write(data[: len(data) // 2])
    r = run("eval", "--model", bad_model, "--data", manifest)
    check("a truncated model is bad input (1) naming the file",
          r.returncode == 1 and "bad.safetensors" in r.stderr, r.stderr)

    # hostile files: 100 KB of "[[[[" overflows json-glib's recursive parser
    deep = "[" * (100 * 1024)
    deep_model = os.path.join(tmp, "deep.safetensors")
    with open(deep_model, "wb") as f:
        f.write(struct.pack("<Q", len(deep)) + deep.encode())
    r = run("eval", "--model", deep_model, "--data", manifest)
    check("a deeply nested model header is bad input (1) naming the file",
          r.returncode == 1 and "deep.safetensors" in r.stderr and "nested" in r.stderr, r.stderr)
    deep_jsonl = os.path.join(tmp, "deep.jsonl")
    with open(deep_jsonl, "w") as f:
        f.write('{"text": "a", "label": "x"}\n' + deep + '\n{"text": "b", "label": "y"}\n')
    r = run("train", "--data", deep_jsonl)
    check("a deeply nested JSON Lines row is bad input (1) naming file and line",
          r.returncode == 1 and "deep.jsonl" in r.stderr and "line 2" in r.stderr
          and "nested" in r.stderr, r.stderr)

    # a model whose weights are NaN or infinite is refused, naming the tensor
    (hlen,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + hlen])
    name, entry = next((k, v) for k, v in header.items() if k != "__metadata__")
    at = 8 + hlen + entry["data_offsets"][0]
    for value, word in ((float("nan"), "NaN"), (float("-inf"), "infinite")):
        poisoned = os.path.join(tmp, f"{word}.safetensors")
        with open(poisoned, "wb") as f:
            f.write(data[:at] + struct.pack("<f", value) + data[at + 4:])
        r = run("eval", "--model", poisoned, "--data", manifest)
        check(f"a model with a {word} weight is bad input (1) naming file and tensor",
              r.returncode == 1 and poisoned in r.stderr and name in r.stderr and word in r.stderr,
              r.stderr)

    # failed writes: never silent, never naming our temporary file
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            r = subprocess.run([EXE, "train", "--data", manifest, "--image-size", "16", "--epochs", "1",
                                "--hidden", "8", "--json"], stdout=full, stderr=subprocess.PIPE, text=True,
                               timeout=300)
        check("train --json > /dev/full exits non-zero with a message",
              r.returncode != 0 and "output" in r.stderr, r.stderr)
    plain = os.path.join(tmp, "plain-file")
    with open(plain, "w") as f:
        f.write("x")
    target = os.path.join(plain, "m.safetensors")
    r = run("train", "--data", manifest, "--image-size", "16", "--epochs", "1", "--hidden", "8",
            "--save", target)
    check("a failed --save exits 1 naming the path given, not a temporary",
          r.returncode == 1 and target in r.stderr and ".fw-tmp-" not in r.stderr, r.stderr)

    def small_disk():
        # a file-size limit stands in for a full disk (permissions do not stop root)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    torch_dir = os.path.join(tmp, "exports", "torch")
    r = subprocess.run([EXE, "export", "--model", model, "--torch", torch_dir], capture_output=True,
                       text=True, timeout=300, preexec_fn=small_disk)
    left = os.listdir(os.path.dirname(torch_dir)) if os.path.isdir(os.path.dirname(torch_dir)) else []
    check("export --torch on a full disk fails (1) and leaves no folder, whole or half",
          r.returncode == 1 and left == [] and torch_dir in r.stderr and ".fw-tmp-" not in r.stderr,
          f"{r.stderr} {left}")
    r = run("export", "--model", model, "--torch", torch_dir)
    check("export --torch writes the folder whole",
          r.returncode == 0 and sorted(os.listdir(torch_dir)) == ["model.py", "model.safetensors", "predict.py", "train.py"]
          and os.listdir(os.path.dirname(torch_dir)) == ["torch"], r.stderr)
    # ---- lessons: the list, a lesson file played headlessly, its mistakes
    r = run("lessons")
    names = [line.split("\t")[0] for line in r.stdout.splitlines()]
    check("lessons lists the nine built-ins, name then title",
          r.returncode == 0 and len(names) == 9 and "late-fusion-xor" in names
          and all("\t" in line for line in r.stdout.splitlines()), r.stdout + r.stderr)

    lesson = os.path.join(tmp, "lesson.json")
    with open(lesson, "w") as f:
        json.dump({"format": "fusion-workbench-lesson", "version": 1, "title": {"en": "Hand-made"},
                   "steps": [{"text": "look", "dataset": "data.csv", "look_at": "dataset",
                              "config": {"image_size": 16, "epochs": 2, "hidden": 8, "head_hidden": 0}},
                             {"text": "train", "action": "train", "config": {"fusion": "late"},
                              "question": {"text": "?", "choices": ["a", "b"], "answer": 1}},
                             {"text": "why", "action": "contributions"},
                             {"text": "later", "action": "robustness"}]}, f)
    r = run("lesson", lesson, "--json")
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = {}
    steps = out.get("steps", [])
    check("lesson FILE --json plays every step (dataset path relative to the file)",
          r.returncode == 0 and out.get("title") == "Hand-made" and len(steps) == 4
          and steps[0] == {"index": 0, "action": "none"}
          and steps[1].get("fusion") == "late"
          and {"test_accuracy", "val_accuracy", "final_train_loss"} <= set(steps[1])
          and set(steps[2].get("shapley", {})) >= {"image", "text", "interaction"}
          and steps[3].get("fusion") == "late"
          and set(steps[3].get("curves", {})) == {"missing_image", "missing_text"}
          and steps[3]["curves"]["missing_text"]["levels"][0] == 0
          and len(steps[3]["curves"]["missing_text"]["accuracy"])
          == len(steps[3]["curves"]["missing_text"]["levels"]), r.stdout + r.stderr)
    r2 = run("lesson", lesson, "--json")
    check("the same lesson gives the same output twice", r2.stdout == r.stdout, r2.stdout)
    r = run("lesson", lesson)
    check("lesson FILE without --json prints each step for people",
          r.returncode == 0 and "Step 2 of 4" in r.stdout and "test accuracy" in r.stdout, r.stdout)

    bad_lesson = os.path.join(tmp, "bad-lesson.json")
    with open(bad_lesson, "w") as f:
        json.dump({"format": "fusion-workbench-lesson", "version": 1, "title": "x",
                   "steps": [{"text": "a"}, {"text": "b", "config": {"fusion": "sideways"}}]}, f)
    r = run("lesson", bad_lesson, "--json")
    check("a bad lesson file is bad input (1) naming the file and step",
          r.returncode == 1 and "bad-lesson.json" in r.stderr and "step 2" in r.stderr
          and "sideways" in r.stderr and r.stdout == "", r.stderr)
    r = run("lesson", "no-such-lesson")
    check("an unknown lesson is bad input (1) listing the built-ins",
          r.returncode == 1 and "modalities" in r.stderr, r.stderr)
    r = run("lesson")
    check("lesson without a name is bad usage (2)", r.returncode == 2, r.stderr)
    r = run("lesson", "modalities", "--frobnicate")
    check("lesson with an unknown flag is bad usage (2)", r.returncode == 2, r.stderr)

finish()
