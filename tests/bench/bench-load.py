#!/usr/bin/python3
"""bench-load.py — the same load as fw_dataset_load in Python with PIL, for
bench-load.sh: CSV manifest, decode, composite/convert to gray (or RGB),
resize to SIZE x SIZE bilinear, bytes into one array, captions NFKC +
casefold + tokens.  Usage: bench-load.py MANIFEST [SIZE [rgb]]"""
import csv, os, re, sys, time, unicodedata

import numpy as np
from PIL import Image

WORD = re.compile(r"[^\W_]+")

def main():
    manifest = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 28
    rgb = len(sys.argv) > 3 and sys.argv[3] == "rgb"
    mode, channels = ("RGB", 3) if rgb else ("L", 1)
    t0 = time.monotonic()
    base = os.path.dirname(manifest)
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    pixels = np.zeros((len(rows), channels, size, size), dtype=np.uint8)
    lexicon, words, labels = {}, [], []
    for i, row in enumerate(rows):
        with Image.open(os.path.join(base, row["file_name"])) as im:
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            im = im.convert(mode)
            if im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            a = np.asarray(im)
            pixels[i] = a.transpose(2, 0, 1) if rgb else a
        text = unicodedata.normalize("NFKC", row["text"]).casefold()
        for t in WORD.findall(text):
            words.append(lexicon.setdefault(t, len(lexicon)))
        labels.append(row["label"])
    classes = sorted(set(labels))
    s = time.monotonic() - t0
    print(f"rows {len(rows)} classes {len(classes)} lexicon {len(lexicon)} "
          f"pixel-sum {int(pixels.sum(dtype=np.uint64))} seconds {s:.3f}")

main()
