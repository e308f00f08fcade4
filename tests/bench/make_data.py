#!/usr/bin/python3
"""Writes the benchmark dataset: Fashion-MNIST images (Debian's
dataset-fashion-mnist) as PNGs plus a CSV manifest with deterministic
captions.  Usage: make_data.py OUTDIR [ROWS]

Rows: the first ROWS*6/7 training images (5/6 of them split `train`, 1/6
`val`) and the first ROWS/7 test images (split `test`); ROWS defaults to
70000, the whole dataset (50k train, 10k val, 10k test).

Captions: "a photo of a <class>" plus 0-3 filler words; in 40% of the rows
the class name is replaced by a random other class, so text alone is an
unreliable witness and the image has to be read."""
import csv
import gzip
import os
import random
import sys

import numpy as np
from PIL import Image

SRC = "/usr/share/datasets/fashion-mnist"
CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat",
           "sandal", "shirt", "sneaker", "bag", "ankle boot"]
LABELS = ["tshirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "boot"]
FILLER = ["nice", "old", "new", "cheap", "small", "large", "clean", "worn",
          "cotton", "wool", "black", "white", "seen", "today", "online", "sale"]


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 70000
    n_test = rows // 7
    n_trainval = rows - n_test
    n_val = n_trainval // 6
    rng = random.Random(1234)
    tr_x, tr_y = idx(f"{SRC}/train-images-idx3-ubyte.gz"), idx(f"{SRC}/train-labels-idx1-ubyte.gz")
    te_x, te_y = idx(f"{SRC}/t10k-images-idx3-ubyte.gz"), idx(f"{SRC}/t10k-labels-idx1-ubyte.gz")
    os.makedirs(os.path.join(out, "img"), exist_ok=True)
    tmp = os.path.join(out, "manifest.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "text", "label", "split"])
        items = [(tr_x[i], tr_y[i], "val" if i < n_val else "train") for i in range(n_trainval)]
        items += [(te_x[i], te_y[i], "test") for i in range(n_test)]
        for k, (img, y, split) in enumerate(items):
            name = f"img/{k:05d}.png"
            Image.fromarray(img, "L").save(os.path.join(out, name), compress_level=1)
            said = int(y)
            if rng.random() < 0.4:
                said = rng.choice([c for c in range(10) if c != y])
            words = ["a", "photo", "of", "a", CLASSES[said]]
            for _ in range(rng.randrange(4)):
                words.insert(rng.randrange(len(words) + 1), rng.choice(FILLER))
            w.writerow([name, " ".join(words), LABELS[y], split])
    os.rename(tmp, os.path.join(out, "manifest.csv"))


if __name__ == "__main__":
    main()
