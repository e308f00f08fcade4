#!/usr/bin/env python3
"""compare-pixels.py TORCH_DIR MANIFEST INPUTS.safetensors — the images
model.py's preprocess reads for the rows of `predict --save-inputs` are the
workbench's pixels within 1/255 (each row's path from the manifest, by the
row numbers in the inputs file's metadata).  Prints the largest gap."""
import csv
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
from model import FusionModel, load_safetensors  # noqa: E402

TOL = 1 / 255 + 1e-6


def main():
    model = FusionModel.from_file(os.path.join(sys.argv[1], "model.safetensors"))
    manifest = sys.argv[2]
    with open(manifest, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    tensors, meta = load_safetensors(sys.argv[3])
    images, index = tensors["image"], json.loads(meta["rows"])
    folder = os.path.dirname(os.path.abspath(manifest))
    worst, read = 0.0, 0
    for k, r in enumerate(index):
        cell = (rows[r].get("image") or rows[r].get("file_name") or "").strip()
        if not cell:
            continue
        mine = model.preprocess_image(os.path.join(folder, cell))
        gap = float((mine - images[k]).abs().max())
        read += 1
        if gap > worst:
            worst = gap
        if gap > TOL:
            sys.exit(f"row {r} ({cell}): pixels differ by {gap * 255:.1f}/255")
    if read == 0:
        sys.exit("no image compared")
    print(f"{read} images, max |pixel difference| = {worst * 255:.2f}/255")


if __name__ == "__main__":
    main()
