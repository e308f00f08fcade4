#!/usr/bin/env python3
"""make-dataset.py DIR — writes a small paired image/text dataset for the
export tests: DIR/metadata.csv (no split column: the stratified split from
the seed), DIR/split.jsonl (a split column without val rows: val drawn from
train), and DIR/img/*.png in every PNG colour mode (gray, RGB, RGBA with
transparency, palette), most 28x28, some 50x50 or 17x17 to be resized.  Captions cover what
preprocessing must agree on: unknown words, empty and missing captions,
missing images, more than 32 tokens, full-width and upper-case letters,
Korean, punctuation; labels include a comma and a Korean word."""
import csv
import json
import os
import random
import sys

from PIL import Image, ImageDraw

LABELS = ["circle", "square", "triangle", "별, star"]
COLORS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 70, 220), "yellow": (230, 210, 40)}
WORDS = {"circle": "circle 원", "square": "square 네모", "triangle": "triangle 세모", "별, star": "star 별"}


def draw(kind, color, rng, mode):
    bg = (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255)
    im = Image.new("RGBA" if mode == "RGBA" else "RGB", (28, 28), bg)
    d = ImageDraw.Draw(im)
    x, y, r = rng.randint(9, 18), rng.randint(9, 18), rng.randint(5, 8)
    fill = color + ((255,) if mode == "RGBA" else ())
    if kind == "circle":
        d.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    elif kind == "square":
        d.rectangle([x - r, y - r, x + r, y + r], fill=fill)
    elif kind == "triangle":
        d.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fill)
    else:
        d.polygon([(x, y - r), (x + r // 3, y - r // 3), (x + r, y), (x + r // 3, y + r // 3),
                   (x, y + r), (x - r // 3, y + r // 3), (x - r, y), (x - r // 3, y - r // 3)], fill=fill)
    if mode == "L":
        return im.convert("L")
    if mode == "P":
        return im.convert("P", palette=Image.ADAPTIVE, colors=16)
    return im


def caption(kind, color, rng):
    words = [rng.choice(["a", "one", "THE", "ｔｈｅ"]), color, rng.choice(WORDS[kind].split())]
    if rng.random() < 0.3:
        words.insert(0, rng.choice(["zebra", "blorp", "quux!"]))        # unknown to most vocabularies
    if rng.random() < 0.1:
        words += ["and"] * 40                                            # past 32 tokens
    if rng.random() < 0.2:
        return "  " + ", ".join(words).upper() + "...  "
    return " ".join(words)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "img"), exist_ok=True)
    rng = random.Random(7)
    rows = []
    for i in range(240):
        kind = LABELS[i % len(LABELS)]
        color = rng.choice(list(COLORS))
        mode = rng.choice(["RGB", "RGB", "L", "RGBA", "P"])
        name = f"img/{i:03d}.png"
        im = draw(kind, COLORS[color], rng, mode)
        if mode != "RGBA" and rng.random() < 0.4:
            # other sizes: the workbench resizes with gdk-pixbuf's bilinear filter
            im = im.resize((rng.choice([50, 17]),) * 2, Image.NEAREST)
        im.save(os.path.join(out, name))
        image, text = name, caption(kind, color, rng)
        u = rng.random()
        if u < 0.06:
            image = ""                     # missing image
        elif u < 0.12:
            text = ""                      # missing caption
        elif u < 0.15:
            text = "?!  ..."               # a caption without a single word
        rows.append({"image": image, "text": text, "label": kind})
    with open(os.path.join(out, "metadata.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["image", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "split.jsonl"), "w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            r = dict(r, split="test" if i % 5 == 0 else "train")
            if not r["image"]:
                r["image"] = None
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
