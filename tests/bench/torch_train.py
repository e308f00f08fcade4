#!/usr/bin/python3
"""The PyTorch side of the benchmark: trains the architecture that
`fusion-workbench train` builds, on the same manifest, and prints one JSON
line like `train --json` does.  Run with Debian's /usr/bin/python3 (torch
1.13).  The data are decoded and turned into tensors before the clock
starts; the timed part is the training loop alone (shuffle, batch gather,
forward, backward, Adam), as in our train_seconds.

Usage: torch_train.py MANIFEST --fusion F [--image-encoder mlp|cnn]
       [--text-encoder bow|embed|gru|transformer] [--color gray|rgb] [--epochs E] [--threads N]
       (--fusion attention: intermediate fusion with --fusion-op attention)
       [--batch 64] [--seed 1] [--repeat R]

With --repeat R the training runs R times from the same seed (identical
numbers) and the fastest run is reported: other processes share the
machine.  flops_per_sample counts the matrix products of one training
step (forward, backward) per sample, as bench-train.sh uses them."""
import argparse
import csv
import json
import os
import re
import time
import unicodedata
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

H, N_HEAD = 256, 128
E, L = 64, 32          # FW_EMBED_DIM, FW_MAX_TOKENS
LAYERS, HEADS = 2, 4   # --layers, --heads defaults of the transformer encoder


def tokenize(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", text)


def load(manifest, color="gray"):
    base = os.path.dirname(os.path.abspath(manifest))
    rows = list(csv.DictReader(open(manifest, newline="", encoding="utf-8")))
    classes = sorted({r["label"] for r in rows})
    split = np.array([r["split"] for r in rows])
    column = "image" if "image" in rows[0] else "file_name"
    mode = "RGB" if color == "rgb" else "L"
    px = np.stack([np.asarray(Image.open(os.path.join(base, r[column])).convert(mode), np.uint8)
                   for r in rows])
    if color == "rgb":   # (N, H, W, 3) -> (N, 3, H, W)
        px = px.transpose(0, 3, 1, 2)
    words = [tokenize(r["text"]) for r in rows]
    # our vocabulary: <pad>, <unk>, then train tokens by descending count, ties by name
    count = Counter(w for ws, s in zip(words, split) if s == "train" for w in ws)
    vocab = ["<pad>", "<unk>"] + sorted(count, key=lambda w: (-count[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    bow = np.zeros((len(rows), len(vocab)), np.float32)
    tokens = np.zeros((len(rows), L), np.int64)   # ids, 0 = <pad>, cut to L
    lens = np.zeros(len(rows), np.int64)
    for i, ws in enumerate(words):
        for w in ws:
            bow[i, index.get(w, 1)] += 1
        ids = [index.get(w, 1) for w in ws[:L]]
        tokens[i, :len(ids)] = ids
        lens[i] = len(ids)
    y = np.array([classes.index(r["label"]) for r in rows], np.int64)
    x = torch.from_numpy(px.astype(np.float32) / 255.0)
    if color != "rgb":
        x = x.unsqueeze(1)
    text = {"bow": torch.from_numpy(bow), "tokens": torch.from_numpy(tokens),
            "lens": torch.from_numpy(lens)}
    return x, text, torch.from_numpy(y), split, len(classes), len(vocab)


def image_encoder(kind, size, channels=1):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, H), nn.ReLU())
    s4 = size // 4
    return nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * s4 * s4, H), nn.ReLU())


class TextEncoder(nn.Module):
    """bow: Linear+ReLU on counts; embed: mean of the first lens token
    embeddings, then Linear+ReLU; gru: the embeddings into a GRU whose state
    after each row's last token is the feature (zeros for an empty row), run
    for the batch's longest caption only, as fw-model.c does."""

    def __init__(self, kind, vocab):
        super().__init__()
        self.kind = kind
        if kind == "bow":
            self.net = nn.Sequential(nn.Linear(vocab, H), nn.ReLU())
        else:
            self.embedding = nn.Embedding(vocab, E)
        if kind in ("embed", "transformer"):
            self.linear = nn.Linear(E, H)
        if kind == "gru":
            self.gru = nn.GRU(E, H, batch_first=True)
        elif kind == "transformer":
            self.position = nn.Embedding(L, E)
            block = nn.TransformerEncoderLayer(E, HEADS, 4 * E, dropout=0.0, activation="gelu",
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(block, LAYERS, norm=nn.LayerNorm(E),
                                                 enable_nested_tensor=False)

    def forward(self, t):
        if self.kind == "bow":
            return self.net(t["bow"])
        lens = t["lens"]
        steps = max(int(lens.max()), 1)
        tok = t["tokens"][:, :steps]
        emb = self.embedding(tok)
        if self.kind == "embed":
            mask = (torch.arange(steps)[None, :] < lens[:, None]).float()
            mean = (emb * mask[:, :, None]).sum(1) / lens.clamp(min=1)[:, None].float()
            return F.relu(self.linear(mean))
        if self.kind == "transformer":
            real = torch.arange(steps)[None, :] < lens[:, None]
            keys_pad = ~real
            keys_pad[:, 0] &= lens > 0   # an empty row attends to position 0 (else NaN)
            h = self.encoder(emb + self.position.weight[:steps], src_key_padding_mask=keys_pad)
            m = real.float()[:, :, None]
            return F.relu(self.linear((h * m).sum(1) / lens.clamp(min=1)[:, None].float()))
        states, _ = self.gru(emb)
        last = states[torch.arange(len(lens)), (lens - 1).clamp(min=0)]
        return last * (lens > 0).float()[:, None]


def head(inp, k):
    return nn.Sequential(nn.Linear(inp, N_HEAD), nn.ReLU(), nn.Linear(N_HEAD, k))


class Model(nn.Module):
    """forward returns (objective, scores, reported loss) like
    fw_model_objective and fw_model_forward: late fusion trains on the
    mixture's loss plus both branches' own losses, and reports the first."""

    def __init__(self, fusion, enc, size, vocab, k, text_enc="bow", channels=1):
        super().__init__()
        self.fusion = fusion
        if fusion == "attention":
            # --fusion-op attention: export --torch's own module (model.py),
            # the architecture the PyTorch reference numbers check
            import sys
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "..", "..", "core", "io", "torch"))
            from model import FusionModel
            config = {"fusion": "intermediate", "fusion-op": "attention", "late-combine": "mean",
                      "image-encoder": enc, "text-encoder": text_enc, "image-size": size,
                      "color": "rgb" if channels == 3 else "gray", "hidden": H,
                      "head-hidden": N_HEAD, "heads": 4, "layers": 2}
            self.net = FusionModel(config, [str(i) for i in range(k)], [str(i) for i in range(vocab)])
            return
        if fusion == "early" and text_enc != "bow":
            raise SystemExit("early fusion with token text encoders is not mirrored here")
        if fusion == "early":
            self.encoder = nn.Sequential(nn.Linear(channels * size * size + vocab, H), nn.ReLU())
            self.head = head(H, k)
            return
        if fusion != "text":
            self.image_encoder = image_encoder(enc, size, channels)
        if fusion != "image":
            self.text_encoder = TextEncoder(text_enc, vocab)
        if fusion == "late":
            self.image_head, self.text_head = head(H, k), head(H, k)
        else:
            self.head = head(2 * H if fusion == "intermediate" else H, k)

    def forward(self, x, t, y):
        f = self.fusion
        if f == "attention":
            # the batch's longest caption, as the core computes it
            steps = max(int(t["lens"].max()), 1)
            logits, _ = self.net(x, t["tokens"][:, :steps])
            loss = F.cross_entropy(logits, y)
            return loss, logits, loss
        if f == "early":
            logits = self.head(self.encoder(torch.cat([x.flatten(1), t["bow"]], 1)))
        elif f == "image":
            logits = self.head(self.image_encoder(x))
        elif f == "text":
            logits = self.head(self.text_encoder(t))
        elif f == "intermediate":
            logits = self.head(torch.cat([self.image_encoder(x), self.text_encoder(t)], 1))
        else:
            li = self.image_head(self.image_encoder(x))
            lt = self.text_head(self.text_encoder(t))
            lpi, lpt = F.log_softmax(li, 1), F.log_softmax(lt, 1)
            # −log(½ p_i[y] + ½ p_t[y]) + CE_i + CE_t
            lmix = torch.logsumexp(torch.stack([lpi, lpt]), 0) - np.log(2.0)
            mix = F.nll_loss(lmix, y)
            return mix + F.nll_loss(lpi, y) + F.nll_loss(lpt, y), lmix, mix
        loss = F.cross_entropy(logits, y)
        return loss, logits, loss


def flops_per_sample(fusion, enc, size, vocab, k, text_enc="bow", tokens=8, channels=1):
    """multiply-adds ×2 of forward and backward; layers fed by the data
    need no input gradient (neither side computes one)"""
    def linear(i, o, first=False):
        return 2 * i * o * (2 if first else 3)

    def head(i):
        return linear(i, N_HEAD) + linear(N_HEAD, k)

    p = size * size
    if enc == "mlp":
        p *= channels
        image = linear(p, H, True)
    else:
        s2, s4 = size // 2, size // 4
        image = (2 * channels * 9 * 16 * p * 2 + 2 * 16 * 9 * 32 * s2 * s2 * 3
                 + linear(32 * s4 * s4, H))
    if text_enc == "bow":
        text = linear(vocab, H, True)
    elif text_enc == "embed":
        text = linear(E, H)
    elif text_enc == "transformer":   # per token and block: q, k, v, out, feed-forward, scores
        block = linear(E, 3 * E) + linear(E, E) + linear(E, 4 * E) + linear(4 * E, E) \
            + 2 * 2 * tokens * E * 3
        text = LAYERS * tokens * block + linear(E, H)
    else:   # per token: the input and hidden products of three gates
        text = tokens * (linear(E, 3 * H) + linear(H, 3 * H))
    if fusion == "attention":   # fw-cost.c's count at the mean caption length
        D, g = 64, size // 4
        li, di = g * g, (32 if enc == "cnn" else channels * 16)
        image = linear(li * di, D, True) if enc == "mlp" else image - linear(32 * s4 * s4, H) + linear(li * di, D)
        dt = H if text_enc == "gru" else E
        text = tokens * linear(dt, D) + (0 if text_enc == "embed" else text - linear(E, H))
        blocks = (li + tokens) * (linear(D, 3 * D) + linear(D, D) + linear(D, 4 * D) + linear(4 * D, D))
        return image + text + blocks + 4 * li * tokens * D * 3 + head(2 * D)
    return {"early": linear(p + vocab, H, True) + head(H),
            "intermediate": image + text + head(2 * H),
            "late": image + text + 2 * head(H),
            "image": image + head(H),
            "text": text + head(H)}[fusion]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--fusion", default="intermediate")
    ap.add_argument("--image-encoder", default="mlp")
    ap.add_argument("--text-encoder", default="bow")
    ap.add_argument("--color", default="gray", choices=["gray", "rgb"])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    x, text, y, split, k, vocab = load(a.manifest, a.color)
    load_seconds = time.time() - t0
    tr = torch.from_numpy(np.nonzero(split == "train")[0])
    te = torch.from_numpy(np.nonzero(split == "test")[0])
    xtr, ytr = x[tr].contiguous(), y[tr].contiguous()
    ttr = {key: v[tr].contiguous() for key, v in text.items()}
    tte = {key: v[te] for key, v in text.items()}
    n = len(tr)

    train_seconds = float("inf")
    for _ in range(a.repeat):
        torch.manual_seed(a.seed)
        model = Model(a.fusion, a.image_encoder, x.shape[-1], vocab, k, a.text_encoder, x.shape[1])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        t0 = time.perf_counter()
        for _ in range(a.epochs):
            perm = torch.randperm(n)
            total = 0.0
            for s in range(0, n, a.batch):
                idx = perm[s:s + a.batch]
                loss, _, shown = model(xtr[idx], {key: v[idx] for key, v in ttr.items()}, ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += shown.item() * len(idx)
        train_seconds = min(train_seconds, time.perf_counter() - t0)

    model.eval()
    with torch.no_grad():
        _, out, _ = model(x[te], tte, y[te])
        acc = (out.argmax(1) == y[te]).float().mean().item()
    tokens = float(text["lens"][tr].float().mean())
    print(json.dumps({"fusion": a.fusion, "image_encoder": a.image_encoder,
                      "text_encoder": a.text_encoder, "seed": a.seed, "train_n": n,
                      "epochs": a.epochs, "threads": torch.get_num_threads(),
                      "load_seconds": round(load_seconds, 3),
                      "train_seconds": round(train_seconds, 4),
                      "samples_per_second": round(a.epochs * n / train_seconds, 1),
                      "final_train_loss": round(total / n, 6),
                      "test_accuracy": round(acc, 4), "vocab": vocab,
                      "flops_per_sample": flops_per_sample(a.fusion, a.image_encoder, x.shape[-1],
                                                           vocab, k, a.text_encoder, tokens,
                                                           x.shape[1])}))


if __name__ == "__main__":
    main()
