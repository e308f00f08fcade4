#!/usr/bin/env python3
"""make-formats.py DIR — a paired dataset of images in every format the
workbench reads besides 8-bit PNG, for the export tests: SVG (small ones
drawn at the model's size, and a large one), XPM, GIF (palette with a
transparent entry), BMP, TIFF (opaque and half see-through), JPEG in CMYK
and JPEG with an EXIF orientation, 16-bit PNG (gray and RGBA); sizes that
need resizing.  Writes DIR/metadata.csv (no split column: the per-row split
draw) and DIR/partial.csv (a split column filled on some rows only).
Captions include Devanagari (combining marks) and Korean."""
import csv
import io
import os
import random
import struct
import sys
import zlib

from PIL import Image, ImageDraw

LABELS = ["circle", "square", "triangle"]
COLORS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 70, 220)}
WORDS = {"circle": "circle गोला 원", "square": "square वर्ग 네모", "triangle": "triangle त्रिभुज 세모"}
FORMATS = ["svg", "svg-big", "xpm", "gif", "bmp", "tiff", "tiff-alpha", "jpeg-cmyk", "jpeg-exif",
           "png16-gray", "png16-rgba"]


def shape(kind, color, size, rng, mode="RGB", bg=(255, 255, 255)):
    im = Image.new(mode, (size, size), bg)
    d = ImageDraw.Draw(im)
    x, y, r = [int(v * size / 28) for v in (rng.randint(9, 18), rng.randint(9, 18), rng.randint(5, 8))]
    fill = color + ((rng.choice([255, 160, 90]),) if mode == "RGBA" else ())
    if kind == "circle":
        d.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    elif kind == "square":
        d.rectangle([x - r, y - r, x + r, y + r], fill=fill)
    else:
        d.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fill)
    return im


def svg(kind, color, size, rng):
    x, y, r = rng.uniform(0.3, 0.7) * size, rng.uniform(0.3, 0.7) * size, rng.uniform(0.18, 0.3) * size
    fill = "#%02x%02x%02x" % color
    if kind == "circle":
        body = f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" fill="{fill}"/>'
    elif kind == "square":
        body = f'<rect x="{x - r:.2f}" y="{y - r:.2f}" width="{2 * r:.2f}" height="{2 * r:.2f}" fill="{fill}" fill-opacity="0.7"/>'
    else:
        body = f'<path d="M{x:.2f},{y - r:.2f} L{x - r:.2f},{y + r:.2f} L{x + r:.2f},{y + r:.2f} Z" fill="{fill}"/>'
    return (f'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}">{body}</svg>\n')


def xpm(im):
    """XPM 3 text of an RGB image, one character a colour"""
    im = im.convert("P", palette=Image.ADAPTIVE, colors=8).convert("RGB")
    w, h = im.size
    colors = sorted({im.getpixel((x, y)) for y in range(h) for x in range(w)})
    chars = ".#+@$%&*"
    key = {c: chars[i] for i, c in enumerate(colors)}
    lines = [f'"{w} {h} {len(colors)} 1",'] + [f'"{key[c]} c #%02X%02X%02X",' % c for c in colors]
    lines += ['"' + "".join(key[im.getpixel((x, y))] for x in range(w)) + '",' for y in range(h)]
    lines[-1] = lines[-1].rstrip(",")
    return "/* XPM */\nstatic char *shape[] = {\n" + "\n".join(lines) + "\n};\n"


def png16(im, gray):
    """a 16-bit PNG written by hand (PIL writes 8-bit RGB(A) only)"""
    w, h = im.size
    ctype, px = (0, im.convert("L")) if gray else (6, im.convert("RGBA"))
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            v = px.getpixel((x, y))
            for s in ((v,) if gray else v):
                raw += struct.pack(">H", s * 256 + (x * 37 + y) % 256)   # low bytes that must not matter

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, ctype, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def write(out, name, fmt, kind, color, rng):
    size = rng.choice([17, 28, 41, 60])
    path = os.path.join(out, name)
    if fmt in ("svg", "svg-big"):
        with open(path, "w") as f:
            f.write(svg(kind, color, 6 if fmt == "svg" else 300, rng))
    elif fmt == "xpm":
        with open(path, "w") as f:
            f.write(xpm(shape(kind, color, size, rng)))
    elif fmt == "gif":
        im = shape(kind, color, size, rng).convert("P", palette=Image.ADAPTIVE, colors=16)
        im.save(path, transparency=im.getpixel((0, 0)))      # the background entry is see-through
    elif fmt == "bmp":
        shape(kind, color, size, rng).save(path)
    elif fmt == "tiff":
        shape(kind, color, size, rng).save(path)
    elif fmt == "tiff-alpha":
        shape(kind, color, size, rng, "RGBA", (255, 255, 255, 0)).save(path)
    elif fmt == "jpeg-cmyk":
        shape(kind, color, size, rng).convert("CMYK").save(path, quality=92)
    elif fmt == "jpeg-exif":
        im = shape(kind, color, size, rng).resize((size, size * 2 // 3 + 5))
        exif = Image.Exif()
        exif[0x0112] = rng.choice([3, 6, 8])                 # rotated 180°, 90° or 270°
        im.save(path, quality=92, exif=exif.tobytes())
    else:
        with open(path, "wb") as f:
            f.write(png16(shape(kind, color, size, rng, "RGBA", (255, 255, 255, 0)), fmt == "png16-gray"))


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "img"), exist_ok=True)
    rng = random.Random(16)
    rows = []
    for i in range(len(FORMATS) * 12):
        fmt = FORMATS[i % len(FORMATS)]
        kind = LABELS[(i // len(FORMATS)) % len(LABELS)]
        color = rng.choice(list(COLORS))
        ext = {"svg-big": "svg", "tiff-alpha": "tiff", "jpeg-cmyk": "jpg", "jpeg-exif": "jpg"}.get(fmt, fmt)
        ext = "png" if ext.startswith("png16") else ext
        name = f"img/{i:03d}-{fmt}.{ext}"
        write(out, name, fmt, kind, COLORS[color], rng)
        words = [rng.choice(["a", "one", "THE"]), color, rng.choice(WORDS[kind].split())]
        rows.append({"image": name, "text": " ".join(words), "label": kind})
    with open(os.path.join(out, "metadata.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["image", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "partial.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["image", "text", "label", "split"])
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow(dict(r, split=["", "train", "", "validation", "test", ""][i % 6]))


if __name__ == "__main__":
    main()
