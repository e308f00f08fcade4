"""A Fusion Workbench model as a PyTorch nn.Module.

Written by `fusion-workbench export --torch DIR` next to model.safetensors
(the workbench's own model file: weights under the same parameter names as
this module's state_dict, plus config, labels, vocabulary and preprocessing
in its metadata).  Needs Debian's python3-torch, and to read images the
workbench's own decoder, gdk-pixbuf, through python3-gi and
gir1.2-gdkpixbuf-2.0 (librsvg2-common for SVG): every format the workbench
read, with the same pixels.  A text-only model reads no image.

    from model import FusionModel, preprocess
    model = FusionModel.from_file("model.safetensors")
    image, text = preprocess("cat.png", "a grey cat")
    logits, probabilities = model(image[None], text[None])
    print(model.labels[int(probabilities.argmax())])
"""
import ast
import json
import math
import os
import struct
import unicodedata

import torch
import torch.nn.functional as F
from torch import nn

EMBED_DIM = 64       # token embedding width of embed, gru and transformer
MAX_TOKENS = 32      # captions are cut to this many tokens for embed, gru and transformer
LOWRANK_RANK = 4     # rank of the low-rank fusion factors
ATTENTION_DIM = 64   # token width of attention fusion
IMAGE_PATCH = 4      # attention fusion: pixels per side of an image token
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


# ---- precomputed vectors (--image-features / --text-features) -------------

def _npy(data, path):
    """(rows, D) float32 of a NumPy .npy: '<f4', C order, 2-D only"""
    major = data[6]
    if major == 1:
        (n,), start = struct.unpack("<H", data[8:10]), 10
    elif major in (2, 3):
        (n,), start = struct.unpack("<I", data[8:12]), 12
    else:
        raise ValueError(f"{path}: NumPy format version {major} is not one of 1, 2, 3")
    header = data[start:start + n].decode("latin-1")
    try:
        info = ast.literal_eval(header)
    except (ValueError, SyntaxError):
        raise ValueError(f"{path}: its NumPy header is not a plain array description") from None
    if not isinstance(info, dict) or info.get("descr") not in ("<f4", "=f4"):
        raise ValueError(f"{path}: its dtype is {info.get('descr') if isinstance(info, dict) else '?'!r}, "
                         "not little-endian float32 '<f4'")
    if info.get("fortran_order") is not False:
        raise ValueError(f"{path}: it is not in C order")
    shape = info.get("shape")
    if not isinstance(shape, tuple) or len(shape) != 2:
        raise ValueError(f"{path}: its array is not 2-D (rows, D)")
    body = data[start + n:]
    if len(body) != shape[0] * shape[1] * 4:
        raise ValueError(f"{path}: it has {len(body)} bytes of data, not the {shape[0]} x {shape[1]} "
                         "floats its shape says")
    if not body:
        return torch.zeros(shape)
    return torch.frombuffer(bytearray(body), dtype=torch.float32).reshape(shape)


def load_features(path, rows):
    """(rows, D) float32 of a features file (safetensors tensor 'features'
    or .npy), checked as the workbench checks it: one row per manifest row,
    NaN only as whole rows (a missing modality, returned as zeros with a
    mask).  Returns (vectors, present) with present a (rows,) bool tensor."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] == b"\x93NUMPY":
        x = _npy(data, path)
    else:
        tensors, _ = load_safetensors(path)
        if set(tensors) != {"features"}:
            raise ValueError(f"{path}: a features file holds one tensor, 'features'")
        x = tensors["features"]
        if x.dtype != torch.float32 or x.dim() != 2:
            raise ValueError(f"{path}: tensor 'features' is not a 2-D float32 tensor")
    if x.shape[0] != rows:
        raise ValueError(f"{path}: it has {x.shape[0]} rows but the manifest has {rows}")
    nan = torch.isnan(x)
    missing = nan.all(1)
    bad = (~torch.isfinite(x)) & ~missing.unsqueeze(1)
    if bad.any():
        r = int(bad.any(1).nonzero()[0])
        raise ValueError(f"{path}: row {r + 1} holds NaN or an infinite value outside a row that "
                         "is NaN throughout")
    return torch.where(missing.unsqueeze(1), torch.zeros_like(x), x), ~missing


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
    changing after its last real token (an empty caption keeps h = 0).
    With every_step, the state after each token (N, L, H) instead of the last."""

    def __init__(self, vocab, hidden, every_step=False):
        super().__init__()
        self.every_step = every_step
        self.embedding = nn.Embedding(vocab, EMBED_DIM)
        self.gru = nn.GRU(EMBED_DIM, hidden, batch_first=True)

    def forward(self, ids):
        g = self.gru
        real = ids != PAD
        xg = F.linear(self.embedding(ids), g.weight_ih_l0, g.bias_ih_l0)   # (N, L, 3H)
        h = xg.new_zeros(ids.shape[0], g.hidden_size)
        states = []
        for t in range(ids.shape[1]):
            hg = F.linear(h, g.weight_hh_l0, g.bias_hh_l0)
            xr, xz, xn = xg[:, t].chunk(3, 1)
            hr, hz, hn = hg.chunk(3, 1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = torch.where(real[:, t:t + 1], (1 - z) * n + z * h, h)
            states.append(h)
        return torch.stack(states, 1) if self.every_step else h


class TokenEmbedding(nn.Module):
    """embed under attention fusion: every token's embedding (N, L, 64)."""

    def __init__(self, vocab):
        super().__init__()
        self.embedding = nn.Embedding(vocab, EMBED_DIM)

    def forward(self, ids):
        return self.embedding(ids)


class CrossAttention(nn.Module):
    """One direction of attention fusion: x + MHA(q = nx, k = v = ny), then
    + linear2(GELU(linear1(norm(·)))).  nn.MultiheadAttention holds the
    weights; the attention itself is written out so that a row whose keys
    are all padding (an empty caption) attends to nothing (zeros) instead
    of giving NaN, as the workbench computes it."""

    def __init__(self, heads):
        super().__init__()
        D = ATTENTION_DIM
        self.heads = heads
        self.attn = nn.MultiheadAttention(D, heads, batch_first=True)
        self.norm = nn.LayerNorm(D)
        self.linear1 = nn.Linear(D, 4 * D)
        self.linear2 = nn.Linear(4 * D, D)

    def forward(self, x, nx, ny, key_real=None):
        """x, nx (N, Lq, D), ny (N, Lk, D), key_real (N, Lk) bool or None →
        (out (N, Lq, D), weights (N, heads, Lq, Lk))"""
        a, D, nh = self.attn, ATTENTION_DIM, self.heads
        w, b = a.in_proj_weight, a.in_proj_bias
        N, Lq, Lk, hd = nx.shape[0], nx.shape[1], ny.shape[1], D // nh
        q = F.linear(nx, w[:D], b[:D]).reshape(N, Lq, nh, hd).transpose(1, 2)
        k = F.linear(ny, w[D:2 * D], b[D:2 * D]).reshape(N, Lk, nh, hd).transpose(1, 2)
        v = F.linear(ny, w[2 * D:], b[2 * D:]).reshape(N, Lk, nh, hd).transpose(1, 2)
        scores = q @ k.transpose(2, 3) / math.sqrt(hd)
        if key_real is not None:
            scores = scores.masked_fill(~key_real[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, 3)
        if key_real is not None:
            weights = torch.where(key_real.any(1)[:, None, None, None], weights,
                                  torch.zeros_like(weights))
        ctx = (weights @ v).transpose(1, 2).reshape(N, Lq, D)
        res = x + a.out_proj(ctx)
        return res + self.linear2(F.gelu(self.linear1(self.norm(res)))), weights


class AttentionFusion(nn.Module):
    """--fusion-op attention (core/nn/fw-fusion-attention.c): image tokens
    (N, Li, Di) and word tokens (N, L, Dt) projected to 64, the image's with
    learned positions; each modality layer-normed once; text→image and
    image→text cross-attention side by side; the mean over the image tokens
    and the masked mean over the real words, concatenated (N, 128)."""

    def __init__(self, image_dim, tokens, text_dim, heads):
        super().__init__()
        D = ATTENTION_DIM
        self.image_proj = nn.Linear(image_dim, D)
        self.image_pos = nn.Parameter(torch.zeros(1, tokens, D))
        self.text_proj = nn.Linear(text_dim, D)
        self.image_norm = nn.LayerNorm(D)
        self.text_norm = nn.LayerNorm(D)
        self.text_to_image = CrossAttention(heads)
        self.image_to_text = CrossAttention(heads)
        self.width = 2 * D
        self.weights = None     # (text_to_image, image_to_text) of the last forward

    def forward(self, xi, xt, real):
        ti = self.image_proj(xi) + self.image_pos
        tt = self.text_proj(xt)
        ni, nt = self.image_norm(ti), self.text_norm(tt)
        ut, w_ti = self.text_to_image(tt, nt, ni)
        ui, w_it = self.image_to_text(ti, ni, nt, real)
        self.weights = (w_ti, w_it)
        mask = real.to(ut.dtype).unsqueeze(2)
        pooled_t = (ut * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.cat([ui.mean(1), pooled_t], 1)


def image_tokens(image, kind, encoder):
    """(N, Li, Di): the CNN's last feature map positions (row-major), or
    non-overlapping IMAGE_PATCH² patches of the pixels, each flattened
    (channel, y, x); pixels past the last whole patch belong to none."""
    if kind == "cnn":
        return encoder(image).flatten(2).transpose(1, 2)
    N, C, S, p = image.shape[0], image.shape[1], image.shape[2], IMAGE_PATCH
    g = S // p
    x = image[:, :, :g * p, :g * p].reshape(N, C, g, p, g, p)
    return x.permute(0, 2, 4, 1, 3, 5).reshape(N, g * g, C * p * p)


class TransformerEncoder(nn.Module):
    """Token and learned position embeddings, nn.TransformerEncoder of
    pre-LN blocks (exact GELU, no dropout) with a final LayerNorm, the mean
    over the real tokens, Linear + ReLU.  With every_token (attention
    fusion), the final LayerNorm's output (N, L, E) instead, no mean, no Linear."""

    def __init__(self, vocab, hidden, layers, heads, every_token=False):
        super().__init__()
        self.every_token = every_token
        self.embedding = nn.Embedding(vocab, EMBED_DIM)
        self.position = nn.Embedding(MAX_TOKENS, EMBED_DIM)
        block = nn.TransformerEncoderLayer(EMBED_DIM, heads, 4 * EMBED_DIM, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, layers, norm=nn.LayerNorm(EMBED_DIM),
                                             enable_nested_tensor=False)
        if not every_token:
            self.linear = nn.Linear(EMBED_DIM, hidden)

    def forward(self, ids):
        pad = ids == PAD
        # an empty caption has no key to attend to (NaN in PyTorch): its
        # rows attend to their first position instead, which the mean
        # below ignores, so the encoder gives the workbench's zeros
        keys_pad = pad.clone()
        keys_pad[:, 0] &= ~pad.all(1)
        x = self.embedding(ids) + self.position.weight[: ids.shape[1]]
        h = self.encoder(x, src_key_padding_mask=keys_pad)
        if self.every_token:
            return h
        real = (~pad).to(h.dtype).unsqueeze(2)
        pooled = (h * real).sum(1) / real.sum(1).clamp(min=1.0)
        return F.relu(self.linear(pooled))


def _text_encoder(kind, vocab, hidden, layers=2, heads=4):
    """vocab: the vocabulary size, or for "features" the vectors' width"""
    if kind == "embed":
        return EmbedEncoder(vocab, hidden)
    if kind == "gru":
        return GRUEncoder(vocab, hidden)
    if kind == "transformer":
        return TransformerEncoder(vocab, hidden, layers, heads)
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
    the bow encoder or (N, 32) int64 token ids padded with 0 for embed,
    gru and transformer) → (logits, probabilities), both (N, classes).  A
    "features" encoder reads a precomputed (N, D) vector instead
    (load_features)."""

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
        self.uses_tokens = self.text_kind not in ("bow", "features")
        pre = preprocess or {}
        self.image_features = int(pre.get("image_features", 0))
        self.text_features = int(pre.get("text_features", 0))
        if self.text_kind == "features":
            V = self.text_features   # the text encoder's input width
        P = self.channels * self.size * self.size
        if self.image_kind == "features":
            P = self.image_features
        if self.kind == "early":
            width = EMBED_DIM if self.text_kind == "embed" else V
            if self.text_kind == "embed":
                self.text_embedding = nn.Embedding(V, EMBED_DIM)
            self.encoder = nn.Sequential(nn.Linear(P + width, H), nn.ReLU())
            self.head = _head(H, N, K)
        else:
            self.attention = self.kind == "intermediate" and c["fusion-op"] == "attention"
            if self.attention:
                # the encoders stop at tokens: the CNN's convolutions only, the
                # embeddings or every GRU state; mlp's patches need no module
                if self.image_kind == "cnn":
                    self.image_encoder = nn.Sequential(*list(_image_encoder(
                        "cnn", self.channels, self.size, H).children())[:6])
                if self.text_kind == "embed":
                    self.text_encoder = TokenEmbedding(V)
                elif self.text_kind == "transformer":
                    self.text_encoder = TransformerEncoder(V, H, int(c.get("layers", 2)),
                                                           int(c.get("heads", 4)), every_token=True)
                else:
                    self.text_encoder = GRUEncoder(V, H, every_step=True)
                grid = self.size // IMAGE_PATCH
                image_dim = 32 if self.image_kind == "cnn" else self.channels * IMAGE_PATCH ** 2
                text_dim = H if self.text_kind == "gru" else EMBED_DIM
                self.fusion = AttentionFusion(image_dim, grid * grid, text_dim, int(c.get("heads", 4)))
                self.head = _head(self.fusion.width, N, K)
                return
            if self.kind != "text" and self.image_kind == "features":
                self.image_encoder = nn.Sequential(nn.Linear(P, H), nn.ReLU())
            elif self.kind != "text":
                self.image_encoder = _image_encoder(self.image_kind, self.channels, self.size, H)
            if self.kind == "late":
                self.image_head = _head(H, N, K)
            if self.kind != "image":
                self.text_encoder = _text_encoder(self.text_kind, V, H, int(c.get("layers", 2)),
                                                  int(c.get("heads", 4)))
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
        elif self.kind == "intermediate" and self.attention:
            xi = image_tokens(image, self.image_kind, getattr(self, "image_encoder", None))
            logits = self.head(self.fusion(xi, self.text_encoder(text), text != PAD))
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
        """(C, S, S) float32 in [0,1]; zeros for a missing image (None or "")
        and for a text-only model, which never reads an image."""
        if not path or self.kind == "text":
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


def _gdk_pixbuf():
    """gdk-pixbuf through GObject introspection (python3-gi,
    gir1.2-gdkpixbuf-2.0, and librsvg2-common for SVG): the very decoders
    the workbench read the images with.  Imported only when an image is."""
    try:
        import gi
        gi.require_version("GdkPixbuf", "2.0")
        from gi.repository import GdkPixbuf, GLib
    except (ImportError, ValueError) as e:
        raise ImportError("reading images needs gdk-pixbuf for Python: "
                          "apt-get install python3-gi gir1.2-gdkpixbuf-2.0 librsvg2-common") from e
    return GdkPixbuf, GLib


def _pixels(pixbuf):
    """(H, W, 3 or 4) int64 pixels of a pixbuf, rows without their padding"""
    w, h, nch = pixbuf.get_width(), pixbuf.get_height(), pixbuf.get_n_channels()
    stride, data = pixbuf.get_rowstride(), pixbuf.read_pixel_bytes().get_data()
    rows = b"".join(data[y * stride:y * stride + w * nch] for y in range(h))
    return torch.frombuffer(bytearray(rows), dtype=torch.uint8).reshape(h, w, nch).to(torch.int64)


def _from_pixels(GdkPixbuf, GLib, px):
    """a pixbuf of (H, W, 3 or 4) pixels"""
    h, w, nch = px.shape
    flat = px.to(torch.uint8).flatten()
    try:
        data = flat.numpy().tobytes()
    except RuntimeError:          # torch without numpy
        data = bytes(flat.tolist())
    return GdkPixbuf.Pixbuf.new_from_bytes(GLib.Bytes.new(data), GdkPixbuf.Colorspace.RGB, nch == 4, 8,
                                           w, h, w * nch)


def unpremultiply(px):
    """fw-image.c's unpremultiply: gdk-pixbuf gives a TIFF's colour
    premultiplied by alpha; straight colour is what the rest expects."""
    a = px[:, :, 3:4]
    straight = torch.clamp((px[:, :, :3] * 255 + a // 2) // a.clamp(min=1), max=255)
    keep = (a == 0) | (a == 255)
    return torch.cat([torch.where(keep, px[:, :, :3], straight), a], 2)


def load_image(path, size, channels):
    """fw_image_load: decode with gdk-pixbuf (an SVG drawn at size × size,
    a TIFF's alpha made straight, EXIF orientation applied), resize with
    gdk-pixbuf's bilinear filter, composite alpha on white, gray = ITU-R 601
    luma rounded; (C, S, S) float32 in [0,1]."""
    GdkPixbuf, GLib = _gdk_pixbuf()
    if not os.path.exists(path):
        raise ValueError(f"{path}: not found")
    info = GdkPixbuf.Pixbuf.get_file_info(path)
    fmt = info[0] if isinstance(info, tuple) else info
    if fmt is None:
        svg = path.lower().endswith((".svg", ".svgz"))
        raise ValueError(f"{path}: " + ("a damaged SVG" if svg else "not an image gdk-pixbuf reads"))
    try:
        if fmt.get_name() == "svg":
            pixbuf = GdkPixbuf.Pixbuf.new_from_file_at_scale(path, size, size, False)
        else:
            pixbuf = GdkPixbuf.Pixbuf.new_from_file(path)
            if fmt.get_name() == "tiff" and pixbuf.get_has_alpha():
                pixbuf = _from_pixels(GdkPixbuf, GLib, unpremultiply(_pixels(pixbuf)))
    except GLib.Error as e:
        raise ValueError(f"{path}: cannot be decoded: {e.message}") from None
    pixbuf = pixbuf.apply_embedded_orientation() or pixbuf
    if (pixbuf.get_width(), pixbuf.get_height()) != (size, size):
        pixbuf = pixbuf.scale_simple(size, size, GdkPixbuf.InterpType.BILINEAR)
    px = _pixels(pixbuf)
    rgb = px[:, :, :3]
    if px.shape[2] == 4:
        a = px[:, :, 3:4]
        rgb = (rgb * a + 255 * (255 - a) + 127) // 255
    if channels == 1:
        gray = (rgb[:, :, 0] * 299 + rgb[:, :, 1] * 587 + rgb[:, :, 2] * 114 + 500) // 1000
        chw = gray.unsqueeze(0)
    else:
        chw = rgb.permute(2, 0, 1)
    return chw.to(torch.float32) / 255.0


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
