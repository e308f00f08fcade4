#!/usr/bin/python3
"""The PyTorch side of the benchmark: trains the architecture that
`fusion-workbench train` builds, on the same manifest, and prints one JSON
line like `train --json` does.  Run with Debian's /usr/bin/python3 (torch
1.13).  The data are decoded and turned into tensors before the clock
starts; the timed part is the training loop alone (shuffle, batch gather,
forward, backward, Adam), as in our train_seconds.

Usage: torch_train.py MANIFEST --fusion F [--image-encoder mlp|cnn]
       [--epochs E] [--threads N] [--batch 64] [--seed 1] [--repeat R]

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


def tokenize(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", text)


def load(manifest):
    base = os.path.dirname(os.path.abspath(manifest))
    rows = list(csv.DictReader(open(manifest, newline="", encoding="utf-8")))
    classes = sorted({r["label"] for r in rows})
    split = np.array([r["split"] for r in rows])
    px = np.stack([np.asarray(Image.open(os.path.join(base, r["image"])).convert("L"), np.uint8)
                   for r in rows])
    words = [tokenize(r["text"]) for r in rows]
    # our vocabulary: <pad>, <unk>, then train tokens by descending count, ties by name
    count = Counter(w for ws, s in zip(words, split) if s == "train" for w in ws)
    vocab = ["<pad>", "<unk>"] + sorted(count, key=lambda w: (-count[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    bow = np.zeros((len(rows), len(vocab)), np.float32)
    for i, ws in enumerate(words):
        for w in ws:
            bow[i, index.get(w, 1)] += 1
    y = np.array([classes.index(r["label"]) for r in rows], np.int64)
    x = torch.from_numpy(px.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(bow), torch.from_numpy(y), split, len(classes)


def image_encoder(kind, size):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(size * size, H), nn.ReLU())
    s4 = size // 4
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * s4 * s4, H), nn.ReLU())


def head(inp, k):
    return nn.Sequential(nn.Linear(inp, N_HEAD), nn.ReLU(), nn.Linear(N_HEAD, k))


class Model(nn.Module):
    """forward returns (objective, scores, reported loss) like
    fw_model_objective and fw_model_forward: late fusion trains on the
    mixture's loss plus both branches' own losses, and reports the first."""

    def __init__(self, fusion, enc, size, vocab, k):
        super().__init__()
        self.fusion = fusion
        if fusion == "early":
            self.encoder = nn.Sequential(nn.Linear(size * size + vocab, H), nn.ReLU())
            self.head = head(H, k)
            return
        if fusion != "text":
            self.image_encoder = image_encoder(enc, size)
        if fusion != "image":
            self.text_encoder = nn.Sequential(nn.Linear(vocab, H), nn.ReLU())
        if fusion == "late":
            self.image_head, self.text_head = head(H, k), head(H, k)
        else:
            self.head = head(2 * H if fusion == "intermediate" else H, k)

    def forward(self, x, t, y):
        f = self.fusion
        if f == "early":
            logits = self.head(self.encoder(torch.cat([x.flatten(1), t], 1)))
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


def flops_per_sample(fusion, enc, size, vocab, k):
    """multiply-adds ×2 of forward and backward; layers fed by the data
    need no input gradient (neither side computes one)"""
    def linear(i, o, first=False):
        return 2 * i * o * (2 if first else 3)

    def head(i):
        return linear(i, N_HEAD) + linear(N_HEAD, k)

    p = size * size
    if enc == "mlp":
        image = linear(p, H, True)
    else:
        s2, s4 = size // 2, size // 4
        image = (2 * 9 * 16 * p * 2 + 2 * 16 * 9 * 32 * s2 * s2 * 3
                 + linear(32 * s4 * s4, H))
    text = linear(vocab, H, True)
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
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    x, bow, y, split, k = load(a.manifest)
    load_seconds = time.time() - t0
    tr = torch.from_numpy(np.nonzero(split == "train")[0])
    te = torch.from_numpy(np.nonzero(split == "test")[0])
    xtr, btr, ytr = x[tr].contiguous(), bow[tr].contiguous(), y[tr].contiguous()
    n = len(tr)

    train_seconds = float("inf")
    for _ in range(a.repeat):
        torch.manual_seed(a.seed)
        model = Model(a.fusion, a.image_encoder, x.shape[-1], bow.shape[1], k)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        t0 = time.perf_counter()
        for _ in range(a.epochs):
            perm = torch.randperm(n)
            total = 0.0
            for s in range(0, n, a.batch):
                idx = perm[s:s + a.batch]
                loss, _, shown = model(xtr[idx], btr[idx], ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += shown.item() * len(idx)
        train_seconds = min(train_seconds, time.perf_counter() - t0)

    model.eval()
    with torch.no_grad():
        _, out, _ = model(x[te], bow[te], y[te])
        acc = (out.argmax(1) == y[te]).float().mean().item()
    print(json.dumps({"fusion": a.fusion, "image_encoder": a.image_encoder, "train_n": n,
                      "epochs": a.epochs, "threads": torch.get_num_threads(),
                      "load_seconds": round(load_seconds, 3),
                      "train_seconds": round(train_seconds, 4),
                      "samples_per_second": round(a.epochs * n / train_seconds, 1),
                      "final_train_loss": round(total / n, 6),
                      "test_accuracy": round(acc, 4), "vocab": bow.shape[1],
                      "flops_per_sample": flops_per_sample(a.fusion, a.image_encoder, x.shape[-1],
                                                           bow.shape[1], k)}))


if __name__ == "__main__":
    main()
