#!/usr/bin/env python3
"""File names that are not UTF-8 (a Latin-1 'é', byte 0xE9) in every message
that names a file: stderr must stay valid UTF-8 (GLib's rule for GError
messages; Pango drops anything else), show the name with U+FFFD for the bad
byte, and the command must still end with the documented exit status.

Usage: test_names.py PATH/TO/fusion-workbench   (prints TAP)
"""
import os
import subprocess
import tempfile

from cli_tap import EXE, check, finish, png

BAD = b"\xe9"          # 'é' in Latin-1: never valid UTF-8 on its own
SHOWN = "\ufffd"       # what g_filename_display_name makes of it


def run(*args, **more_env):
    # a UTF-8 locale: GLib then writes messages to stderr byte for byte
    env = dict(os.environ, LC_ALL="C.UTF-8", **more_env)
    env.pop("LANGUAGE", None)
    return subprocess.run([EXE, *args], capture_output=True, env=env, timeout=120)


def expect(name, args, status, shown, **env):
    """The command exits with status and both its outputs decode as UTF-8,
    stderr naming the file as shown."""
    r = run(*args, **env)
    try:
        err = r.stderr.decode("utf-8")
        out = r.stdout.decode("utf-8")
        valid = True
    except UnicodeDecodeError as e:
        err, valid = repr(r.stderr), False
        err += f"\n{e}"
    check(f"{name}: exit {status}, UTF-8 stderr naming {shown!r}",
          valid and r.returncode == status and shown in err, f"exit {r.returncode}\n{err}")
    return err if valid else ""


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


with tempfile.TemporaryDirectory() as tmp_text:
    tmp = tmp_text.encode()
    j = os.path.join

    # a good model under a bad name: train says where it saved it
    model = j(tmp, b"bon" + BAD + b".safetensors")
    r = run("train", "--data", "builtin:shapes", "--epochs", "1", "--hidden", "4", "--head-hidden", "0",
            "--image-size", "8", "--save", model)
    err = r.stderr.decode("utf-8", "replace")
    check("train --save to a non-UTF-8 name says so in UTF-8",
          r.returncode == 0 and ("bon" + SHOWN) in err and b"bon" + BAD not in r.stderr, err)

    # model files and checkpoints
    garbage = j(tmp, b"mod" + BAD + b"l.safetensors")
    write(garbage, b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    expect("a malformed model", ["eval", "--model", garbage, "--data", "builtin:shapes"], 1,
           "mod" + SHOWN + "l.safetensors")
    expect("a missing model", ["eval", "--model", j(tmp, b"absent" + BAD + b".safetensors"),
                               "--data", "builtin:shapes"], 1, "absent" + SHOWN)
    expect("a malformed checkpoint", ["train", "--data", "builtin:shapes", "--resume", garbage], 1,
           "mod" + SHOWN + "l.safetensors")
    expect("--attention on a model without attention", ["predict", "--model", model, "--data",
           "builtin:shapes", "--attention", j(tmp, b"att.safetensors"), "--out", j(tmp, b"p.csv")], 1,
           "bon" + SHOWN)

    # manifests: a bad row, a missing one, a folder without metadata, an
    # image missing and one corrupt in a folder with such a name
    manifest = j(tmp, b"donn" + BAD + b"es.csv")
    write(manifest, b"image,text,label\n,a square,\n")
    expect("a manifest with a bad row", ["train", "--data", manifest], 1, "donn" + SHOWN + "es.csv")
    expect("a missing manifest", ["train", "--data", j(tmp, b"nope" + BAD + b".csv")], 1, "nope" + SHOWN)
    os.mkdir(j(tmp, b"vide" + BAD))
    expect("a folder without metadata", ["train", "--data", j(tmp, b"vide" + BAD)], 1, "vide" + SHOWN)
    folder = j(tmp, b"d" + BAD + b"p")
    os.mkdir(folder)
    png(j(folder, b"ok.png"), 8, 40, True)
    write(j(folder, b"corrupt.png"), b"\x89PNG\r\n\x1a\nthis is not the rest of a PNG")
    write(j(folder, b"missing.csv"), b"image,text,label\nok.png,a,x\nlost.png,b,y\n")
    write(j(folder, b"corrupt.csv"), b"image,text,label\nok.png,a,x\ncorrupt.png,b,y\n")
    expect("a manifest naming a missing image", ["train", "--data", j(folder, b"missing.csv")], 1,
           "d" + SHOWN + "p")
    expect("a manifest naming a corrupt image", ["train", "--data", j(folder, b"corrupt.csv")], 1,
           "d" + SHOWN + "p")
    cells = j(folder, b"cells.csv")
    write(cells, b"image,text,label\ncaf" + BAD + b".png,a,x\nok.png,b,y\n")
    expect("an image cell in Latin-1 (not UTF-8)", ["train", "--data", cells], 1, "row 1")

    expect("Fashion-MNIST in a folder with such a name", ["train", "--data", "builtin:fashion-captions"], 1,
           "mode" + SHOWN, FW_FASHION_MNIST_DIR=j(tmp, b"mode" + BAD))

    # features, lessons
    feats = j(tmp, b"traits" + BAD + b".safetensors")
    write(feats, b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    expect("a malformed features file", ["train", "--data", "builtin:shapes", "--image-features", feats], 1,
           "traits" + SHOWN)
    lesson = j(tmp, b"le" + BAD + b"on.json")
    write(lesson, b'{"format": "fusion-workbench-lesson", "version": 1, "title": "x", '
                  b'"steps": [{"text": "a"}, {"text": "b", "config": {"fusion": "sideways"}}]}')
    expect("a bad lesson file", ["lesson", lesson], 1, "le" + SHOWN + "on.json")
    lesson_data = j(tmp, b"le" + BAD + b"on-data.json")
    write(lesson_data, b'{"format": "fusion-workbench-lesson", "version": 1, "title": "x", '
                       b'"steps": [{"text": "a", "dataset": "nothing-here.csv", "action": "train"}]}')
    expect("a lesson whose dataset is missing", ["lesson", lesson_data], 1, "le" + SHOWN + "on-data.json")
    expect("a missing lesson file", ["lesson", j(tmp, b"absent" + BAD + b".json")], 1, "absent" + SHOWN)
    # the window's own --lesson is checked before any window opens
    expect("the window's --lesson with a bad lesson file", ["--lesson", lesson], 1, "le" + SHOWN + "on.json")
    expect("an unknown lesson name", ["lesson", b"le" + BAD + b"on"], 1, "le" + SHOWN + "on")

    # outputs where they cannot go: a folder that does not exist, or a file
    nowhere = j(tmp, b"nulle-part" + BAD)
    a_file = j(tmp, b"fichier" + BAD)
    write(a_file, b"x")
    expect("export --onnx into a missing folder",
           ["export", "--model", model, "--onnx", j(nowhere, b"m.onnx")], 1, "nulle-part" + SHOWN)
    expect("export --torch below a file",
           ["export", "--model", model, "--torch", j(a_file, b"torch")], 1, "fichier" + SHOWN)
    expect("predict --out into a missing folder",
           ["predict", "--model", model, "--data", "builtin:shapes", "--out", j(nowhere, b"p.csv")], 1,
           "nulle-part" + SHOWN)
    expect("sweep --save-dir below a file",
           ["sweep", "--data", "builtin:shapes", "--grid", "hidden=4", "--save-dir", j(a_file, b"runs"),
            "--out", j(tmp, b"sweep.csv")], 1, "fichier" + SHOWN)

    # mistakes echo what was typed
    expect("a stray argument", ["train", j(tmp, b"stray" + BAD + b".csv")], 2, "stray" + SHOWN)
    expect("an unknown command", [b"tra" + BAD + b"n"], 2, "tra" + SHOWN + "n")
    expect("an unknown built-in dataset", ["train", "--data", b"builtin:caf" + BAD], 1, "caf" + SHOWN)

finish()
