#!/usr/bin/python3
"""bench-load.py — the same load as fw_dataset_load in Python with PIL, for
bench-load.sh: CSV manifest, decode, composite/convert to gray, resize to
28x28 bilinear, bytes into one array, captions NFKC + casefold + tokens."""
import csv, os, re, sys, time, unicodedata

import numpy as np
from PIL import Image

WORD = re.compile(r"[^\W_]+")

def main():
    manifest = sys.argv[1]
    size = 28
    t0 = time.monotonic()
    base = os.path.dirname(manifest)
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    pixels = np.zeros((len(rows), 1, size, size), dtype=np.uint8)
    lexicon, words, labels = {}, [], []
    for i, row in enumerate(rows):
        with Image.open(os.path.join(base, row["file_name"])) as im:
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            im = im.convert("L")
            if im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            pixels[i, 0] = np.asarray(im)
        text = unicodedata.normalize("NFKC", row["text"]).casefold()
        for t in WORD.findall(text):
            words.append(lexicon.setdefault(t, len(lexicon)))
        labels.append(row["label"])
    classes = sorted(set(labels))
    s = time.monotonic() - t0
    print(f"rows {len(rows)} classes {len(classes)} lexicon {len(lexicon)} "
          f"pixel-sum {int(pixels.sum(dtype=np.uint64))} seconds {s:.3f}")

main()
