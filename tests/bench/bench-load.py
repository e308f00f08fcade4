#!/usr/bin/python3
"""bench-load.py — the same load as fw_dataset_load in Python with PIL, for
bench-load.sh: CSV manifest, decode, composite/convert to gray (or RGB),
resize to SIZE x SIZE bilinear, bytes into one array, captions NFKC +
casefold + tokens.  One process, as a user would write it; --processes N
decodes in a multiprocessing pool of N instead (the most a Python user
could get from several cores), for comparison only.
Usage: bench-load.py MANIFEST [SIZE [rgb]] [--processes N]"""
import csv, os, re, sys, time, unicodedata

import numpy as np
from PIL import Image

WORD = re.compile(r"[^\W_]+")


def load_image(path, size, mode, rgb):
    with Image.open(path) as im:
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        im = im.convert(mode)
        if im.size != (size, size):
            im = im.resize((size, size), Image.BILINEAR)
        a = np.asarray(im)
        return a.transpose(2, 0, 1) if rgb else a


def load_chunk(job):
    paths, size, mode, rgb = job
    return np.stack([load_image(p, size, mode, rgb) for p in paths])


def main():
    args = sys.argv[1:]
    processes = 0
    if "--processes" in args:
        k = args.index("--processes")
        processes = int(args[k + 1])
        del args[k:k + 2]
    manifest = args[0]
    size = int(args[1]) if len(args) > 1 else 28
    rgb = len(args) > 2 and args[2] == "rgb"
    mode, channels = ("RGB", 3) if rgb else ("L", 1)
    t0, c0 = time.monotonic(), time.process_time()
    base = os.path.dirname(manifest)
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    pixels = np.zeros((len(rows), channels, size, size), dtype=np.uint8)
    paths = [os.path.join(base, row["file_name"]) for row in rows]
    if processes > 0:
        import multiprocessing
        chunk = 256
        jobs = [(paths[i:i + chunk], size, mode, rgb) for i in range(0, len(paths), chunk)]
        with multiprocessing.Pool(processes) as pool:
            for i, block in enumerate(pool.imap(load_chunk, jobs)):
                pixels[i * chunk:i * chunk + len(block)] = block.reshape(len(block), channels, size, size)
    else:
        for i, path in enumerate(paths):
            pixels[i] = load_image(path, size, mode, rgb)
    lexicon, words, labels = {}, [], []
    for row in rows:
        text = unicodedata.normalize("NFKC", row["text"]).casefold()
        for t in WORD.findall(text):
            words.append(lexicon.setdefault(t, len(lexicon)))
        labels.append(row["label"])
    classes = sorted(set(labels))
    s, cpu = time.monotonic() - t0, time.process_time() - c0
    # cpu: this process's CPU for the load alone (no interpreter start-up,
    # no checksum; a pool's workers are not in it: see /usr/bin/time)
    print(f"rows {len(rows)} classes {len(classes)} lexicon {len(lexicon)} "
          f"pixel-sum {int(pixels.sum(dtype=np.uint64))} seconds {s:.3f} cpu {cpu:.3f}")


if __name__ == "__main__":
    main()
