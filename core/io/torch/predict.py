#!/usr/bin/env python3
"""predict.py MANIFEST [--split SPLIT] — prints the same CSV as
`fusion-workbench predict --out` for the same rows:
index,label,predicted,p_<class>... (index = the manifest's data row, from 0).

MANIFEST is a CSV or JSON Lines file (columns image or file_name, text,
label, optional split) or a folder holding metadata.csv / metadata.jsonl.
Rows are assigned to splits as the workbench does: the split column when
there is one (with val drawn from train when no row is val), otherwise a
stratified 80/10/10 draw from the model's seed.  --split all: every row.
Written by `fusion-workbench export --torch`; needs python3-torch (and
python3-pil for images).
"""
import argparse
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from model import FusionModel  # noqa: E402

SPLITS = {"train": 0, "training": 0, "val": 1, "valid": 1, "validation": 1, "dev": 1,
          "test": 2, "testing": 2}
FIELDS = ("image", "text", "label", "split")
M64 = (1 << 64) - 1


class Rng:
    """splitmix64, as the workbench's fw-rng.h"""

    def __init__(self, state):
        self.state = state & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        return ((self.next() >> 32) * n) >> 32


def stratify(labels, n_classes, rows, fractions, seed, split):
    """fw_dataset_stratify: per class, shuffle its rows, then val and test
    take their rounded share and train the rest."""
    rng = Rng(seed ^ 0x5EED0DA7A5E75EED)
    for c in range(n_classes):
        members = [r for r in rows if labels[r] == c]
        for i in range(len(members) - 1, 0, -1):
            j = rng.below(i + 1)
            members[i], members[j] = members[j], members[i]
        m = len(members)
        n_val = int(m * fractions[1] + 0.5)
        n_test = int(m * fractions[2] + 0.5)
        if n_val + n_test > m:
            n_test = m - n_val
        for i, r in enumerate(members):
            split[r] = 1 if i < n_val else 2 if i < n_val + n_test else 0


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
    """[(row dict of FIELDS), ...], has_split, folder of relative paths"""
    if os.path.isdir(path):
        for name in ("metadata.csv", "metadata.jsonl"):
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            sys.exit(f"predict.py: {path}: the folder holds no metadata.csv or metadata.jsonl")
    folder = os.path.dirname(os.path.abspath(path))
    with open(path, "rb") as f:
        text = f.read().decode("utf-8-sig")
    jsonl = path.endswith((".jsonl", ".ndjson")) or (
        not path.endswith(".csv") and text.lstrip().startswith("{"))
    rows, has_split = [], False
    if jsonl:
        for line_no, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if "image" not in obj and "file_name" in obj:
                obj["image"] = obj["file_name"]
            has_split = has_split or "split" in obj
            try:
                rows.append({f: clean(obj.get(f), f) for f in FIELDS})
            except ValueError as e:
                sys.exit(f"predict.py: {path}: line {line_no}: {e}")
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader)]
        col = {f: header.index(f) if f in header else -1 for f in FIELDS}
        if col["image"] < 0 and "file_name" in header:
            col["image"] = header.index("file_name")
        for f in ("image", "text", "label"):
            if col[f] < 0:
                sys.exit(f"predict.py: {path}: no '{f}' column")
        has_split = col["split"] >= 0
        for record in reader:
            if not record:
                continue
            rows.append({f: clean(record[col[f]], f) if col[f] >= 0 and col[f] < len(record) else None
                         for f in FIELDS})
    for i, r in enumerate(rows):
        if r["label"] is None:
            sys.exit(f"predict.py: {path}: row {i + 1}: the label is empty")
        if has_split and (r["split"] or "").lower() not in SPLITS:
            sys.exit(f"predict.py: {path}: row {i + 1}: unknown split {r['split']!r}")
        if r["image"] is None and r["text"] is None:
            sys.exit(f"predict.py: {path}: row {i + 1}: has neither an image nor a text")
        if r["image"] is not None and not os.path.isabs(r["image"]):
            r["image"] = os.path.join(folder, r["image"])
    return rows, has_split


def assign_splits(rows, has_split, seed, val_fraction):
    """the workbench's split of each row (0 train, 1 val, 2 test)"""
    classes = sorted({r["label"] for r in rows}, key=lambda s: s.encode("utf-8"))
    index = {c: i for i, c in enumerate(classes)}
    labels = [index[r["label"]] for r in rows]
    split = [SPLITS[r["split"].lower()] if has_split else -1 for r in rows]
    if not has_split:
        stratify(labels, len(classes), range(len(rows)), (0.8, 0.1, 0.1), seed, split)
    elif 1 not in split and val_fraction > 0:
        train = [i for i, s in enumerate(split) if s == 0]
        stratify(labels, len(classes), train, (1 - val_fraction, val_fraction, 0.0), seed, split)
    return split


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
    args = ap.parse_args()
    if args.split != "all" and args.split.lower() not in SPLITS:
        ap.error(f"--split '{args.split}' is not one of train, val, test, all")
    model = FusionModel.from_file(args.model)
    rows, has_split = read_manifest(args.manifest)
    split = assign_splits(rows, has_split, int(model.config["seed"]),
                          float(model.config["val-fraction"]))
    want = None if args.split == "all" else SPLITS[args.split.lower()]
    chosen = [i for i in range(len(rows)) if want is None or split[i] == want]
    class_index = {c: k for k, c in enumerate(model.labels)}
    for i in chosen:
        if rows[i]["label"] not in class_index:
            sys.exit(f"predict.py: {args.manifest}: row {i + 1}: label {rows[i]['label']!r} "
                     f"is not one of the model's classes")

    out = sys.stdout
    out.write(",".join(["index", "label", "predicted"]
                       + [csv_field("p_" + c) for c in model.labels]) + "\n")
    batch = 256
    with torch.no_grad():
        for start in range(0, len(chosen), batch):
            part = chosen[start:start + batch]
            images, texts = zip(*(model.preprocess(rows[i]["image"], rows[i]["text"]) for i in part))
            _, probs = model(torch.stack(images), torch.stack(texts))
            for i, p in zip(part, probs.tolist()):
                best = max(range(len(p)), key=lambda k: (p[k], -k))
                out.write(f"{i},{csv_field(rows[i]['label'])},{csv_field(model.labels[best])},"
                          + ",".join(format(v, ".9g") for v in p) + "\n")


if __name__ == "__main__":
    main()
