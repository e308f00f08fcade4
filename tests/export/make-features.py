#!/usr/bin/env python3
"""make-features.py INPUTS.safetensors TENSOR OUT [--rows N] [--nan-rows 3,7] [--manifest CSV] [--kind KIND]

Writes a features file (what --image-features / --text-features read) from
the inputs `predict --split all --save-inputs` wrote: each row's tensor
TENSOR ("image": its pixels, "text": its bag of words), flattened to one
vector, placed at its manifest row (the file's "rows" metadata), so the
file has one row per manifest row.  Manifest rows absent from INPUTS (rows
loading skipped) and --nan-rows are rows of NaN: a missing modality.
OUT ending in .npy is a NumPy file, otherwise safetensors.  --kind writes a
deliberately malformed file for the error tests: truncated, nan-cell, inf,
float64, fortran, pickle, 3d, extra-bytes, no-tensor, two-tensors."""
import argparse
import json
import struct

import numpy as np


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        dtype = {"F32": "<f4", "I64": "<i8", "F64": "<f8"}[t["dtype"]]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dtype).reshape(t["shape"])
    return out, meta


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, at = {}, [], 0
    for name, x in tensors.items():
        data = x.tobytes()
        header[name] = {"dtype": dtype, "shape": list(x.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs")
    ap.add_argument("tensor")
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, help="manifest rows (default: the largest row + 1)")
    ap.add_argument("--nan-rows", default="")
    ap.add_argument("--kind", default="good")
    ap.add_argument("--manifest", help="a CSV manifest: rows whose cell of TENSOR's column is empty are NaN")
    a = ap.parse_args()
    tensors, meta = read_safetensors(a.inputs)
    x = tensors[a.tensor].astype("<f4")
    x = x.reshape(x.shape[0], -1)
    rows = json.loads(meta["rows"])
    n = a.rows if a.rows is not None else max(rows) + 1
    feats = np.full((n, x.shape[1]), np.nan, dtype="<f4")
    for i, r in enumerate(rows):
        if r < n:
            feats[r] = x[i]
    for r in filter(None, a.nan_rows.split(",")):
        feats[int(r)] = np.nan
    if a.manifest:
        import csv
        with open(a.manifest, newline="", encoding="utf-8-sig") as f:
            for r, row in enumerate(csv.DictReader(f)):
                if r < n and not (row.get(a.tensor) or "").strip():
                    feats[r] = np.nan
    k = a.kind
    if k == "nan-cell":
        feats[2, 1] = np.nan
    elif k == "inf":
        feats[3, 0] = np.inf
    npy = a.out.endswith(".npy")
    if k == "float64":
        feats = feats.astype("<f8")
    elif k == "3d":
        feats = feats.reshape(n, 1, -1)
    if npy:
        if k == "fortran":
            feats = np.asfortranarray(feats)
        if k == "pickle":
            np.save(a.out, np.array([{"not": "floats"}], dtype=object), allow_pickle=True)
            return
        np.save(a.out, feats)
        if k == "truncated":
            raw = open(a.out, "rb").read()
            open(a.out, "wb").write(raw[:-6])
        elif k == "extra-bytes":
            open(a.out, "ab").write(b"\0" * 8)
        return
    if k == "no-tensor":
        write_safetensors(a.out, {"embeddings": feats})
    elif k == "two-tensors":
        write_safetensors(a.out, {"features": feats, "other": feats[:1]})
    elif k == "float64":
        write_safetensors(a.out, {"features": feats}, "F64")
    else:
        write_safetensors(a.out, {"features": feats})
        if k == "truncated":
            raw = open(a.out, "rb").read()
            open(a.out, "wb").write(raw[:-6])


if __name__ == "__main__":
    main()
