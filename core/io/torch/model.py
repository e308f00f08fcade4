"""A Fusion Workbench model as a PyTorch nn.Module.

Written by `fusion-workbench export --torch DIR` next to model.safetensors
(the workbench's own model file: weights under the same parameter names as
this module's state_dict, plus config, labels, vocabulary and preprocessing
in its metadata).  Needs only Debian's python3-torch: PNG images are
decoded and resized here, exactly as the workbench does with gdk-pixbuf
(python3-pil, when installed, reads other formats such as JPEG).

    from model import FusionModel, preprocess
    model = FusionModel.from_file("model.safetensors")
    image, text = preprocess("cat.png", "a grey cat")
    logits, probabilities = model(image[None], text[None])
    print(model.labels[int(probabilities.argmax())])
"""
import json
import math
import os
import struct
import unicodedata

import torch
import torch.nn.functional as F
from torch import nn

EMBED_DIM = 64       # token embedding width of embed and gru
MAX_TOKENS = 32      # captions are cut to this many tokens for embed and gru
LOWRANK_RANK = 4     # rank of the low-rank fusion factors
PAD, UNK = 0, 1      # vocabulary ids of padding and unknown tokens

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- the model file ------------------------------------------------------

def load_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file; checks every
    offset and size against the file (little-endian F32 and I64 only)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None) or {}
    base, size = 8 + n, len(data) - 8 - n
    dtypes = {"F32": (torch.float32, 4), "I64": (torch.int64, 8)}
    tensors = {}
    for name, info in header.items():
        if info.get("dtype") not in dtypes:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {info.get('dtype')!r}")
        dtype, width = dtypes[info["dtype"]]
        shape = [int(s) for s in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
        count = 1
        for s in shape:
            count *= s
        if not (0 <= begin <= end <= size) or end - begin != count * width:
            raise ValueError(f"{path}: tensor {name!r} has bad data offsets")
        if count == 0:
            t = torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtype)
        tensors[name] = t.reshape(shape)
    return tensors, meta


# ---- modules, named as the workbench names its parameters -----------------

def _head(inp, hidden, classes):
    """Linear(→hidden) + ReLU + Linear(→classes), or one Linear for hidden 0."""
    if hidden > 0:
        return nn.Sequential(nn.Linear(inp, hidden), nn.ReLU(), nn.Linear(hidden, classes))
    return nn.Sequential(nn.Linear(inp, classes))


def _image_encoder(kind, channels, size, hidden):
    if kind == "cnn":
        s4 = size // 2 // 2
        return nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * s4 * s4, hidden), nn.ReLU())
    return nn.Sequential(nn.Linear(channels * size * size, hidden), nn.ReLU())


def masked_mean(embedding, ids):
    """Mean of the embeddings of the real (non-padding) tokens; 0 for none."""
    mask = (ids != PAD).to(torch.float32)
    total = (embedding(ids) * mask.unsqueeze(2)).sum(1)
    return total / mask.sum(1, keepdim=True).clamp(min=1.0)


class EmbedEncoder(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, EMBED_DIM)
        self.linear = nn.Linear(EMBED_DIM, hidden)

    def forward(self, ids):
        return F.relu(self.linear(masked_mean(self.embedding, ids)))


class GRUEncoder(nn.Module):
    """nn.GRU's equations, run step by step so that a row's state stops
    changing after its last real token (an empty caption keeps h = 0)."""

    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, EMBED_DIM)
        self.gru = nn.GRU(EMBED_DIM, hidden, batch_first=True)

    def forward(self, ids):
        g = self.gru
        real = ids != PAD
        xg = F.linear(self.embedding(ids), g.weight_ih_l0, g.bias_ih_l0)   # (N, L, 3H)
        h = xg.new_zeros(ids.shape[0], g.hidden_size)
        for t in range(ids.shape[1]):
            hg = F.linear(h, g.weight_hh_l0, g.bias_hh_l0)
            xr, xz, xn = xg[:, t].chunk(3, 1)
            hr, hz, hn = hg.chunk(3, 1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = torch.where(real[:, t:t + 1], (1 - z) * n + z * h, h)
        return h


def _text_encoder(kind, vocab, hidden):
    if kind == "embed":
        return EmbedEncoder(vocab, hidden)
    if kind == "gru":
        return GRUEncoder(vocab, hidden)
    return nn.Sequential(nn.Linear(vocab, hidden), nn.ReLU())


class Fusion(nn.Module):
    """Intermediate fusion of two (N, H) features."""

    def __init__(self, op, hidden):
        super().__init__()
        self.op, self.hidden = op, hidden
        if op == "gated":
            self.image_proj = nn.Linear(hidden, hidden)
            self.text_proj = nn.Linear(hidden, hidden)
            self.gate = nn.Linear(2 * hidden, hidden)
        elif op == "lowrank":
            self.image_factor = nn.Linear(hidden, LOWRANK_RANK * hidden)
            self.text_factor = nn.Linear(hidden, LOWRANK_RANK * hidden)

    @property
    def width(self):
        h = self.hidden
        return {"concat": 2 * h, "tensor": (h + 1) * (h + 1)}.get(self.op, h)

    def forward(self, xi, xt):
        if self.op == "concat":
            return torch.cat([xi, xt], 1)
        if self.op == "sum":
            return xi + xt
        if self.op == "product":
            return xi * xt
        if self.op == "gated":
            hi = torch.tanh(self.image_proj(xi))
            ht = torch.tanh(self.text_proj(xt))
            z = torch.sigmoid(self.gate(torch.cat([xi, xt], 1)))
            return z * hi + (1 - z) * ht
        if self.op == "tensor":
            one = xi.new_ones(xi.shape[0], 1)
            a, b = torch.cat([xi, one], 1), torch.cat([xt, one], 1)
            return (a.unsqueeze(2) * b.unsqueeze(1)).flatten(1)
        if self.op == "lowrank":
            prod = self.image_factor(xi) * self.text_factor(xt)
            return prod.reshape(-1, LOWRANK_RANK, self.hidden).sum(1)
        raise ValueError(f"unknown fusion op {self.op!r}")


class Late(nn.Module):
    """Combines the two branches' logits into (logits, probabilities)."""

    def __init__(self, combine, classes):
        super().__init__()
        self.combine = combine
        if combine == "weighted":
            self.weights = nn.Parameter(torch.zeros(2))
        elif combine == "stacking":
            self.stack = nn.Linear(2 * classes, classes)

    def forward(self, li, lt):
        if self.combine == "stacking":
            logits = self.stack(torch.cat([li, lt], 1))
            return logits, torch.softmax(logits, 1)
        pi, pt = torch.softmax(li, 1), torch.softmax(lt, 1)
        if self.combine == "weighted":
            w = torch.softmax(self.weights, 0)
            p = w[0] * pi + w[1] * pt
        else:
            p = 0.5 * pi + 0.5 * pt
        # late mean/weighted: the logits are the log of the mixed probabilities
        return torch.log(p.clamp(min=1e-30)), p


class FusionModel(nn.Module):
    """forward(image (N, C, S, S) in [0,1], text (N, V) float word counts for
    the bow encoder or (N, 32) int64 token ids padded with 0 for embed and
    gru) → (logits, probabilities), both (N, classes)."""

    def __init__(self, config, labels, vocab, preprocess=None):
        super().__init__()
        self.config, self.labels, self.vocab = dict(config), list(labels), list(vocab)
        self.vocab_index = {t: i for i, t in enumerate(self.vocab)}
        c = self.config
        self.kind = c["fusion"]
        self.image_kind, self.text_kind = c["image-encoder"], c["text-encoder"]
        self.size = int(c["image-size"])
        self.channels = 3 if c["color"] == "rgb" else 1
        H, N, K, V = int(c["hidden"]), int(c["head-hidden"]), len(self.labels), len(self.vocab)
        self.uses_tokens = self.text_kind != "bow"
        P = self.channels * self.size * self.size
        if self.kind == "early":
            width = EMBED_DIM if self.text_kind == "embed" else V
            if self.text_kind == "embed":
                self.text_embedding = nn.Embedding(V, EMBED_DIM)
            self.encoder = nn.Sequential(nn.Linear(P + width, H), nn.ReLU())
            self.head = _head(H, N, K)
        else:
            if self.kind != "text":
                self.image_encoder = _image_encoder(self.image_kind, self.channels, self.size, H)
            if self.kind == "late":
                self.image_head = _head(H, N, K)
            if self.kind != "image":
                self.text_encoder = _text_encoder(self.text_kind, V, H)
            if self.kind == "late":
                self.text_head = _head(H, N, K)
                self.late = Late(c["late-combine"], K)
            elif self.kind == "intermediate":
                self.fusion = Fusion(c["fusion-op"], H)
                self.head = _head(self.fusion.width, N, K)
            else:
                self.head = _head(H, N, K)

    @classmethod
    def from_file(cls, path=os.path.join(HERE, "model.safetensors")):
        tensors, meta = load_safetensors(path)
        if meta.get("format") != "fusion-workbench" or meta.get("version") != "1":
            raise ValueError(f"{path}: not a version 1 Fusion Workbench model file")
        model = cls(json.loads(meta["config"]), json.loads(meta["labels"]),
                    json.loads(meta["vocab"]), json.loads(meta.get("preprocess", "{}")))
        model.load_state_dict(tensors, strict=True)
        return model.eval()

    def _image(self, image):
        x = image if self.image_kind == "cnn" else image.flatten(1)
        return self.image_encoder(x)

    def forward(self, image, text):
        if self.kind == "early":
            t = masked_mean(self.text_embedding, text) if self.text_kind == "embed" else text
            logits = self.head(self.encoder(torch.cat([image.flatten(1), t], 1)))
        elif self.kind == "intermediate":
            logits = self.head(self.fusion(self._image(image), self.text_encoder(text)))
        elif self.kind == "late":
            return self.late(self.image_head(self._image(image)),
                             self.text_head(self.text_encoder(text)))
        elif self.kind == "image":
            logits = self.head(self._image(image))
        else:
            logits = self.head(self.text_encoder(text))
        return logits, torch.softmax(logits, 1)

    # ---- preprocessing, as the workbench does it -------------------------

    def preprocess_image(self, path):
        """(C, S, S) float32 in [0,1]; zeros for a missing image (None or "")."""
        if not path:
            return torch.zeros(self.channels, self.size, self.size)
        return load_image(path, self.size, self.channels)

    def preprocess_text(self, text):
        """(V,) float32 counts for bow, (32,) int64 ids otherwise; blank for None."""
        ids = [self.vocab_index.get(w, UNK) for w in tokenize(text)] if text else []
        if self.uses_tokens:
            out = torch.zeros(MAX_TOKENS, dtype=torch.int64)
            ids = ids[:MAX_TOKENS]
            if ids:
                out[:len(ids)] = torch.tensor(ids, dtype=torch.int64)
            return out
        out = torch.zeros(len(self.vocab))
        for i in ids:
            out[i] += 1.0
        return out

    def preprocess(self, image_path, text):
        return self.preprocess_image(image_path), self.preprocess_text(text)


# GLib's g_unichar_isalnum: letters and numbers of any script
_WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"}


def tokenize(text):
    """NFKC, case folding, then words = maximal runs of letters and digits,
    with the combining marks (Mn, Mc, Me) that follow them."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words, word = [], []
    for ch in folded:
        cat = unicodedata.category(ch)
        if cat in _WORD_CATEGORIES or (word and cat[0] == "M"):
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def load_image(path, size, channels):
    """Decode (PNG here, in pure Python; other formats with python3-pil when
    it is installed), composite alpha on white after resizing, gray =
    ITU-R 601 luma rounded; (C, S, S) float32 in [0,1].  Images already
    size×size get exactly the workbench's pixels; the workbench resizes
    with gdk-pixbuf's bilinear filter, which resize() reproduces."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        w, h, nch, px = decode_png(data, path)
    else:
        w, h, nch, px = _decode_pil(path)
    px = px.reshape(h, w, nch)
    if (w, h) != (size, size):
        px = resize(px, size, size)
    px = px.to(torch.int64)
    rgb = px[:, :, :3]
    if nch == 4:
        a = px[:, :, 3:4]
        rgb = (rgb * a + 255 * (255 - a) + 127) // 255
    if channels == 1:
        gray = (rgb[:, :, 0] * 299 + rgb[:, :, 1] * 587 + rgb[:, :, 2] * 114 + 500) // 1000
        chw = gray.unsqueeze(0)
    else:
        chw = rgb.permute(2, 0, 1)
    return chw.to(torch.float32) / 255.0


# ---- gdk-pixbuf's bilinear scaling (pixops.c), integer for integer -------

_SUBSAMPLE = 16


def _filter_1d(scale):
    """(n taps, offset, weights[phase][tap]) of bilinear_magnify_make_weights"""
    if scale > 1.0:
        n, offset = 2, 0.5 * (1 / scale - 1)
    else:
        n, offset = math.ceil(1.0 + 1.0 / scale), 0.0
    weights = []
    for phase in range(_SUBSAMPLE):
        x = phase / _SUBSAMPLE
        row = []
        for i in range(n):
            if scale > 1.0:
                row.append(((1 - x) if i == 0 else x) / scale * scale)
            else:
                a = x + 1 / scale
                if i < x:
                    row.append((min(i + 1, a) - x) * scale if i + 1 > x else 0.0)
                else:
                    row.append((min(i + 1, a) - i) * scale if a > i else 0.0)
        weights.append(row)
    return n, offset, weights


def _filter_table(fx, fy):
    """make_filter_table: int weights[y phase][x phase][ty][tx] summing to 65536"""
    (nx, _, wx), (ny, _, wy) = fx, fy
    table = {}
    for pi in range(_SUBSAMPLE):
        for pj in range(_SUBSAMPLE):
            w = [int(wx[pj][j] * wy[pi][i] * 1.0 * 65536 + 0.5) for i in range(ny) for j in range(nx)]
            correction = int(0.5 + 65536 * 1.0) - sum(w)
            if correction != 0:       # correct_total
                remaining, d, c = correction, 1, correction
                while c != 0 and remaining != 0:
                    k = len(w) - 1
                    while k >= 0 and c != 0 and remaining != 0:
                        if w[k] + c >= 0:
                            w[k] += c
                            remaining -= c
                            if 0 < remaining < c or 0 > remaining > c:
                                c = remaining
                        k -= 1
                    d += 1
                    c = int(correction / d)
            table[pi, pj] = torch.tensor(w, dtype=torch.int64).reshape(ny, nx)
    return table


def resize(px, width, height):
    """gdk_pixbuf_scale_simple (px, width, height, GDK_INTERP_BILINEAR) on
    (H, W, 3 or 4) uint8 pixels, with pixops' fixed-point arithmetic and its
    different rounding at the edges."""
    src_h, src_w, nch = px.shape
    sx, sy = width / src_w, height / src_h
    fx, fy = _filter_1d(sx), _filter_1d(sy)
    nx, ny = fx[0], fy[0]
    table = _filter_table(fx, fy)
    x_step, y_step = int(65536 / sx), int(65536 / sy)
    x_off = math.floor(fx[1] * 65536)
    run_end = min(((((src_w - nx + 1) << 16) - x_off) + x_step - 1) // x_step, width)
    alpha = nch == 4
    fast22 = nx == 2 and ny == 2 and nch == 3
    src = px.to(torch.int64)
    out = torch.zeros(height, width, nch, dtype=torch.int64)
    y = math.floor(fy[1] * 65536)
    for i in range(height):
        rows = torch.tensor([min(max((y >> 16) + k, 0), src_h - 1) for k in range(ny)])
        for j in range(width):
            x = j * x_step + x_off
            xs = x >> 16
            cols = torch.tensor([min(max(xs + k, 0), src_w - 1) for k in range(nx)])
            w = table[(y >> 12) & 15, (x >> 12) & 15]                       # (ny, nx)
            q = src[rows][:, cols]                                          # (ny, nx, C)
            edge = xs < 0 or j >= run_end
            if alpha:
                ta = q[:, :, 3] * w
                a = int(ta.sum())
                rgb = (ta.unsqueeze(2) * q[:, :, :3]).sum((0, 1))
                out[i, j, :3] = rgb // a if a else 0
                out[i, j, 3] = a >> 16
            elif edge:
                rgb = ((0xff * w).unsqueeze(2) * q).sum((0, 1))
                out[i, j] = (rgb + 0xffffff) >> 24
            else:
                rgb = (w.unsqueeze(2) * q).sum((0, 1))
                out[i, j] = (rgb + (0x8000 if fast22 else 0xffff)) >> 16
        y += y_step
    return out.to(torch.uint8)


def _decode_pil(path):
    try:
        from PIL import Image, ImageOps   # python3-pil: only for formats other than PNG
    except ImportError:
        raise ValueError(f"{path}: only PNG images are read without python3-pil") from None
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
        im = im.convert("RGBA" if alpha else "RGB")
        raw = bytearray(im.tobytes())
        w, h = im.size
    return w, h, 4 if alpha else 3, torch.frombuffer(raw, dtype=torch.uint8)


def _unfilter(raw, width_bytes, rows, bpp):
    """PNG scanline filters undone: bytes of rows × width_bytes."""
    out = bytearray(width_bytes * rows)
    prev = bytearray(width_bytes)
    pos = 0
    for y in range(rows):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + width_bytes])
        pos += 1 + width_bytes
        if ftype == 1:
            for i in range(bpp, width_bytes):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(width_bytes):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(width_bytes):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        elif ftype != 0:
            raise ValueError(f"bad PNG filter type {ftype}")
        out[y * width_bytes:(y + 1) * width_bytes] = line
        prev = line
    return out


def _samples(buf, width, rows, depth, spp):
    """(rows, width, spp) int64 samples of unfiltered bytes, 16-bit cut to
    the high byte and 1/2/4-bit gray scaled to 0..255, as libpng does for
    gdk-pixbuf."""
    t = torch.frombuffer(bytearray(buf), dtype=torch.uint8).to(torch.int64) if buf else torch.zeros(0, dtype=torch.int64)
    if depth == 8:
        return t.reshape(rows, width, spp)
    if depth == 16:
        return t.reshape(rows, width * spp, 2)[:, :, 0].reshape(rows, width, spp)
    per = 8 // depth
    row_bytes = (width * spp * depth + 7) // 8
    t = t.reshape(rows, row_bytes)
    shifts = torch.tensor([8 - depth * (k + 1) for k in range(per)])
    bits = (t.unsqueeze(2) >> shifts) & ((1 << depth) - 1)
    return bits.reshape(rows, row_bytes * per)[:, :width * spp].reshape(rows, width, spp)


def decode_png(data, path="PNG"):
    """(width, height, channels 3 or 4, uint8 pixels) of a PNG file; any
    colour type, bit depth, palette, tRNS transparency, Adam7 interlacing."""
    import zlib
    pos, idat, plte, trns = 8, [], None, None
    while pos + 8 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = body
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, spp * depth // 8)
    img = torch.zeros(height, width, spp, dtype=torch.int64)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
              if interlace else [(0, 0, 1, 1)])
    offset = 0
    for x0, y0, dx, dy in passes:
        pw, ph = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if pw <= 0 or ph <= 0:
            continue
        row_bytes = (pw * spp * depth + 7) // 8
        size = ph * (row_bytes + 1)
        rows = _unfilter(raw[offset:offset + size], row_bytes, ph, bpp)
        offset += size
        img[y0::dy, x0::dx] = _samples(rows, pw, ph, depth, spp)
    if ctype == 3:   # palette
        pal = torch.tensor(list(plte), dtype=torch.int64).reshape(-1, 3)
        idx = img[:, :, 0].clamp(max=pal.shape[0] - 1)
        rgb = pal[idx]
        if trns is not None:
            alpha = torch.full((pal.shape[0],), 255, dtype=torch.int64)
            alpha[:len(trns)] = torch.tensor(list(trns[:pal.shape[0]]), dtype=torch.int64)
            rgb = torch.cat([rgb, alpha[idx].unsqueeze(2)], 2)
        img = rgb
    elif ctype in (0, 4):   # gray, gray + alpha
        if depth < 8:
            img = img * (255 // ((1 << depth) - 1))
        gray = img[:, :, :1]
        alpha = img[:, :, 1:2] if ctype == 4 else None
        if ctype == 0 and trns is not None:
            key = struct.unpack(">H", trns[:2])[0]
            key = key >> 8 if depth == 16 else key * (255 // ((1 << depth) - 1)) if depth < 8 else key
            alpha = torch.where(gray == key, 0, 255)
        img = gray.expand(-1, -1, 3)
        if alpha is not None:
            img = torch.cat([img, alpha], 2)
    elif ctype == 2 and trns is not None:
        key = torch.tensor(struct.unpack(">HHH", trns[:6]), dtype=torch.int64)
        if depth == 16:
            key = key >> 8
        alpha = torch.where((img == key).all(2, keepdim=True), 0, 255)
        img = torch.cat([img, alpha], 2)
    nch = img.shape[2]
    return width, height, nch, img.to(torch.uint8).reshape(-1)


_default = None


def preprocess(image_path, text, model=None):
    """(image, text) tensors for one sample, with the preprocessing of model
    (default: the model.safetensors beside this file)."""
    global _default
    if model is None:
        if _default is None:
            _default = FusionModel.from_file()
        model = _default
    return model.preprocess(image_path, text)
