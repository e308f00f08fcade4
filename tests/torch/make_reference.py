#!/usr/bin/python3
"""Reference numbers from PyTorch for the C core's model tests.

Builds three models in plain PyTorch with the parameter names the core uses,
runs one forward and backward pass on fixed inputs and writes weights,
inputs, logits, loss and every gradient to tests/data/reference-*.safetensors.
The C test (tests/core/test-reference.c) loads them, so the test itself
needs no PyTorch.  Run with Debian's python3-torch:

    /usr/bin/python3 tests/torch/make_reference.py
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data")
sys.path.insert(0, os.path.join(HERE, "..", "..", "core", "io", "torch"))


def save_safetensors(path, tensors, metadata):
    """Minimal safetensors writer (the safetensors package is not in Debian 12)."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class SeedModel(nn.Module):
    """The seed's model: two Linear+ReLU encoders, concat, one Linear."""

    def __init__(self, pixels=100, vocab=50, hidden=64, classes=10):
        super().__init__()
        self.image_encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU())
        self.text_encoder = nn.Sequential(nn.Linear(vocab, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * hidden, classes))

    def forward(self, image, counts):
        fused = torch.cat([self.image_encoder(image.flatten(1)), self.text_encoder(counts)], 1)
        return self.head(fused)


class GRUText(nn.Module):
    def __init__(self, vocab, hidden, embed=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)

    def forward(self, tokens, lens):
        x = self.embedding(tokens)
        packed = nn.utils.rnn.pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return h[0]


class CnnGruModel(nn.Module):
    def __init__(self, channels=1, size=12, vocab=20, hidden=16, head_hidden=8, classes=4):
        super().__init__()
        s4 = size // 4
        self.image_encoder = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * s4 * s4, hidden), nn.ReLU())
        self.text_encoder = GRUText(vocab, hidden)
        self.head = nn.Sequential(nn.Linear(2 * hidden, head_hidden), nn.ReLU(),
                                  nn.Linear(head_hidden, classes))

    def forward(self, image, tokens, lens):
        fused = torch.cat([self.image_encoder(image), self.text_encoder(tokens, lens)], 1)
        return self.head(fused)


class TransformerText(nn.Module):
    """The core's --text-encoder transformer: token and learned position
    embeddings, nn.TransformerEncoder of pre-LN blocks with a final
    LayerNorm, the mean over the real tokens, Linear + ReLU."""

    def __init__(self, vocab, hidden, layers, heads, embed=64, max_tokens=32):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.position = nn.Embedding(max_tokens, embed)
        block = nn.TransformerEncoderLayer(embed, heads, 4 * embed, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, layers, norm=nn.LayerNorm(embed))
        self.linear = nn.Linear(embed, hidden)

    def forward(self, tokens):
        pad = tokens == 0
        # an all-padding row has no key (NaN in PyTorch): it attends to its
        # first position instead, whose state the masked mean ignores
        keys_pad = pad.clone()
        keys_pad[:, 0] &= ~pad.all(1)
        x = self.embedding(tokens) + self.position.weight[: tokens.shape[1]]
        h = self.encoder(x, src_key_padding_mask=keys_pad)
        real = (~pad).float().unsqueeze(2)
        pooled = (h * real).sum(1) / real.sum(1).clamp(min=1.0)
        return F.relu(self.linear(pooled))


class TransformerModel(nn.Module):
    def __init__(self, pixels=36, vocab=20, hidden=16, head_hidden=8, classes=3, layers=2, heads=4):
        super().__init__()
        self.image_encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU())
        self.text_encoder = TransformerText(vocab, hidden, layers, heads)
        self.head = nn.Sequential(nn.Linear(2 * hidden, head_hidden), nn.ReLU(),
                                  nn.Linear(head_hidden, classes))

    def forward(self, image, tokens):
        fused = torch.cat([self.image_encoder(image.flatten(1)), self.text_encoder(tokens)], 1)
        return self.head(fused)


def dump(path, model, inputs, labels, logits, config):
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors = {}
    for name, p in model.named_parameters():
        tensors[name] = p
        tensors["grad." + name] = p.grad
    tensors.update(inputs)
    tensors["labels"] = labels
    tensors["logits"] = logits
    tensors["loss"] = loss.reshape(1)
    save_safetensors(path, tensors, {"config": json.dumps(config)})
    print(f"{os.path.relpath(path)}: loss {loss.item():.6f}")


def main():
    torch.manual_seed(1234)
    B = 8
    model = SeedModel()
    image = torch.rand(B, 1, 10, 10)
    counts = torch.randint(0, 3, (B, 50)).float()
    labels = torch.randint(0, 10, (B,))
    dump(os.path.join(OUT, "reference-seed.safetensors"), model,
         {"image": image, "text": counts}, labels, model(image, counts),
         {"fusion": "intermediate", "fusion-op": "concat", "image-encoder": "mlp",
          "text-encoder": "bow", "image-size": 10, "hidden": 64, "head-hidden": 0,
          "vocab": 50, "classes": 10})

    torch.manual_seed(5678)
    B, L = 6, 32
    model = CnnGruModel()
    image = torch.rand(B, 1, 12, 12)
    lens = torch.tensor([1, 5, 32, 9, 2, 17])
    tokens = torch.zeros(B, L, dtype=torch.int64)
    for b in range(B):
        tokens[b, : lens[b]] = torch.randint(1, 20, (int(lens[b]),))
    logits = model(image, tokens, lens)
    dump(os.path.join(OUT, "reference-cnn-gru.safetensors"), model,
         {"image": image, "text": tokens, "lens": lens}, labels[:B] % 4, logits,
         {"fusion": "intermediate", "fusion-op": "concat", "image-encoder": "cnn",
          "text-encoder": "gru", "image-size": 12, "hidden": 16, "head-hidden": 8,
          "vocab": 20, "classes": 4})

    # the Transformer text encoder: captions of every length, one empty;
    # weights away from PyTorch's init (LayerNorm ones, zero biases) so
    # every term of every gradient counts
    torch.manual_seed(91011)
    B, L = 6, 32
    model = TransformerModel()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    image = torch.rand(B, 1, 6, 6)
    lens = torch.tensor([3, 0, 32, 1, 7, 12])
    tokens = torch.zeros(B, L, dtype=torch.int64)
    for b in range(B):
        tokens[b, : lens[b]] = torch.randint(1, 20, (int(lens[b]),))
    logits = model(image, tokens)
    dump(os.path.join(OUT, "reference-transformer.safetensors"), model,
         {"image": image, "text": tokens, "lens": lens}, torch.tensor([0, 1, 2, 2, 1, 0]), logits,
         {"fusion": "intermediate", "fusion-op": "concat", "image-encoder": "mlp",
          "text-encoder": "transformer", "image-size": 6, "hidden": 16, "head-hidden": 8,
          "vocab": 20, "classes": 3, "layers": 2, "heads": 4})


def attention_reference(name, image_encoder, text_encoder, seed):
    """An attention-fusion model (export --torch's model.py, itself plain
    PyTorch), every parameter moved off its initial value (zeros and ones
    would hide a missing term), on a batch with an empty caption, a full
    one and a blank image; the attention weights are kept too."""
    from model import FusionModel
    torch.manual_seed(seed)
    B, L, V, K, S = 6, 32, 20, 4, 12
    config = {"fusion": "intermediate", "fusion-op": "attention", "late-combine": "mean",
              "image-encoder": image_encoder, "text-encoder": text_encoder, "image-size": S,
              "color": "gray", "hidden": 16, "head-hidden": 8, "heads": 2, "layers": 1}
    model = FusionModel(config, [f"c{k}" for k in range(K)], [f"w{v}" for v in range(V)])
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
    image = torch.rand(B, 1, S, S)
    image[2] = 0
    lens = torch.tensor([1, 5, 32, 0, 2, 17])
    tokens = torch.zeros(B, L, dtype=torch.int64)
    for b in range(B):
        tokens[b, : lens[b]] = torch.randint(1, V, (int(lens[b]),))
    labels = torch.randint(0, K, (B,))
    logits, _ = model(image, tokens)
    t2i, i2t = model.fusion.weights
    config.update({"vocab": V, "classes": K})
    dump(os.path.join(OUT, name), model,
         {"image": image, "text": tokens, "lens": lens,
          "attention.text_to_image": t2i, "attention.image_to_text": i2t},
         labels, logits, config)


if __name__ == "__main__":
    main()
    attention_reference("reference-attention-cnn-gru.safetensors", "cnn", "gru", 4321)
    attention_reference("reference-attention-mlp-embed.safetensors", "mlp", "embed", 8765)
    attention_reference("reference-attention-cnn-transformer.safetensors", "cnn", "transformer", 2468)
