#!/usr/bin/env python3
"""predict.py MANIFEST [--split SPLIT] [--image-features F] [--text-features F] — prints the same CSV as
`fusion-workbench predict --out` for the same rows:
index,label,predicted,p_<class>... (index = the manifest's data row, from 0).

MANIFEST is a CSV or JSON Lines file (columns image or file_name, text,
label, optional split) or a folder holding metadata.csv / metadata.jsonl.
Rows are assigned to splits as the workbench does: the split cell when it
is filled (with val drawn from train when no row is val), otherwise 80/10/10
by a draw from the row's own image path and caption and the model's seed.
--split all: every row.  A model with a "features" encoder reads that
modality from --image-features / --text-features (safetensors tensor
'features' or .npy, one row per manifest row; a row of NaN is missing).
Written by `fusion-workbench export --torch`; needs python3-torch (and
python3-pil for images).
"""
import argparse
import csv
import hashlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from model import FusionModel, load_features  # noqa: E402

SPLITS = {"train": 0, "training": 0, "val": 1, "valid": 1, "validation": 1, "dev": 1,
          "test": 2, "testing": 2}
FIELDS = ("image", "text", "label", "split")
M64 = (1 << 64) - 1
# messages name the script run: train.py reads manifests with these functions too
PROG = os.path.basename(sys.argv[0] or "predict.py")


def row_key(image, text):
    """fw_row_key: the first 8 bytes (little-endian) of SHA-256 of the image
    cell as written, a NUL, and the caption"""
    data = (image or "").encode("utf-8") + b"\0" + (text or "").encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def row_draw(key, seed):
    """fw_row_draw: a number in [0, 1) from the row's key and the seed"""
    z = key ^ ((seed * 0x9E3779B97F4A7C15 + 0x5EED0DA7A5E75EED) & M64)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def clean(value, field):
    """Paths, labels and splits lose surrounding blanks; blank is absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        if field == "label" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"'{field}' must be a string, not {type(value).__name__}")
    if field != "text":
        value = value.strip(" \t\n\r\f\v")
    if value.strip(" \t\n\r\f\v") == "":
        return None
    return value


def read_manifest(path):
    """[(row dict of FIELDS and its key), ...], image paths made absolute"""
    if os.path.isdir(path):
        for name in ("metadata.csv", "metadata.jsonl"):
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            sys.exit(f"{PROG}: {path}: the folder holds no metadata.csv or metadata.jsonl")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except OSError as e:
        sys.exit(f"{PROG}: {path}: {e.strerror}")
    except UnicodeDecodeError:
        sys.exit(f"{PROG}: {path}: not UTF-8 text")
    jsonl = path.endswith((".jsonl", ".ndjson")) or (
        not path.endswith(".csv") and text.lstrip().startswith("{"))
    rows = []
    if jsonl:
        for line_no, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                sys.exit(f"{PROG}: {path}: line {line_no}: not a JSON object: {e}")
            if not isinstance(obj, dict):
                sys.exit(f"{PROG}: {path}: line {line_no}: not a JSON object")
            if "image" not in obj and "file_name" in obj:
                obj["image"] = obj["file_name"]
            try:
                rows.append({f: clean(obj.get(f), f) for f in FIELDS})
            except ValueError as e:
                sys.exit(f"{PROG}: {path}: line {line_no}: {e}")
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader, [])]
        col = {f: header.index(f) if f in header else -1 for f in FIELDS}
        if col["image"] < 0 and "file_name" in header:
            col["image"] = header.index("file_name")
        for f in ("image", "text", "label"):
            if col[f] < 0:
                sys.exit(f"{PROG}: {path}: no '{f}' column")
        for record in reader:
            if not record:
                continue
            rows.append({f: clean(record[col[f]], f) if col[f] >= 0 and col[f] < len(record) else None
                         for f in FIELDS})
    for i, r in enumerate(rows):
        if r["label"] is None:
            sys.exit(f"{PROG}: {path}: row {i + 1}: the label is empty")
        if r["split"] is not None and r["split"].lower() not in SPLITS:
            sys.exit(f"{PROG}: {path}: row {i + 1}: unknown split {r['split']!r}")
        if r["image"] is None and r["text"] is None:
            sys.exit(f"{PROG}: {path}: row {i + 1}: has neither an image nor a text")
        r["key"] = row_key(r["image"], r["text"])
        if r["image"] is not None and not os.path.isabs(r["image"]):
            r["image"] = os.path.join(folder, r["image"])
    return rows


def assign_splits(rows, seed, val_fraction):
    """the workbench's split of each row (0 train, 1 val, 2 test): the split
    cell when given; else drawn from the row's key and the seed, 80/10/10;
    when no row is given val, val_fraction of the given train rows are val"""
    given = [SPLITS[r["split"].lower()] if r["split"] is not None else -1 for r in rows]
    holdout = 1 not in given and val_fraction > 0
    split = []
    for r, s in zip(rows, given):
        u = row_draw(r["key"], seed)
        if s < 0:
            s = 1 if u < 0.1 else 2 if u < 0.1 + 0.1 else 0
        elif s == 0 and holdout:
            s = 1 if u < val_fraction else 0
        split.append(s)
    return split


def preprocess_row(model, manifest, rows, i, vectors=(None, None)):
    """model inputs of row i, or exit naming the row whose image fails;
    vectors: the (image, text) features tensors of features models"""
    image, text = vectors
    try:
        x = model.preprocess_image(rows[i]["image"]) if image is None else image[i]
        t = model.preprocess_text(rows[i]["text"]) if text is None else text[i]
        return x, t
    except (ImportError, OSError, ValueError) as e:   # each names the image file
        sys.exit(f"{PROG}: {manifest}: row {i + 1}: {e}")


def features_of(model, args, rows):
    """(image, text) vectors for the model's features encoders, or None each"""
    out = []
    for kind, flag, path in (("image", "--image-features", args.image_features),
                             ("text", "--text-features", args.text_features)):
        wanted = getattr(model, f"{kind}_kind") == "features" and not (
            model.kind == {"image": "text", "text": "image"}[kind])
        if not wanted:
            out.append(None)
            continue
        if not path:
            sys.exit(f"{PROG}: the model reads precomputed {kind} vectors: give {flag} FILE")
        try:
            x, _ = load_features(path, len(rows))
        except (OSError, ValueError) as e:
            sys.exit(f"{PROG}: {e}")
        want = getattr(model, f"{kind}_features")
        if x.shape[1] != want:
            sys.exit(f"{PROG}: {path}: its vectors are {x.shape[1]} wide but the model reads {want}")
        out.append(x)
    return tuple(out)


def csv_field(s):
    if any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    ap = argparse.ArgumentParser(description="Predict with an exported Fusion Workbench model.")
    ap.add_argument("manifest")
    ap.add_argument("--split", default="test", help="train, val, test or all [test]")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "model.safetensors"))
    ap.add_argument("--image-features", help="precomputed image vectors (features models)")
    ap.add_argument("--text-features", help="precomputed text vectors (features models)")
    args = ap.parse_args()
    if args.split != "all" and args.split.lower() not in SPLITS:
        ap.error(f"--split '{args.split}' is not one of train, val, test, all")
    model = FusionModel.from_file(args.model)
    rows = read_manifest(args.manifest)
    vectors = features_of(model, args, rows)
    split = assign_splits(rows, int(model.config["seed"]), float(model.config["val-fraction"]))
    want = None if args.split == "all" else SPLITS[args.split.lower()]
    chosen = [i for i in range(len(rows)) if want is None or split[i] == want]
    class_index = {c: k for k, c in enumerate(model.labels)}
    for i in chosen:
        if rows[i]["label"] not in class_index:
            sys.exit(f"{PROG}: {args.manifest}: row {i + 1}: label {rows[i]['label']!r} "
                     f"is not one of the model's classes")

    out = sys.stdout
    out.write(",".join(["index", "label", "predicted"]
                       + [csv_field("p_" + c) for c in model.labels]) + "\n")
    batch = 256
    with torch.no_grad():
        for start in range(0, len(chosen), batch):
            part = chosen[start:start + batch]
            images, texts = zip(*(preprocess_row(model, args.manifest, rows, i, vectors) for i in part))
            _, probs = model(torch.stack(images), torch.stack(texts))
            for i, p in zip(part, probs.tolist()):
                best = max(range(len(p)), key=lambda k: (p[k], -k))
                out.write(f"{i},{csv_field(rows[i]['label'])},{csv_field(model.labels[best])},"
                          + ",".join(format(v, ".9g") for v in p) + "\n")


if __name__ == "__main__":
    main()
