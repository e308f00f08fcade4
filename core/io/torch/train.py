#!/usr/bin/env python3
"""train.py MANIFEST --out OUT.safetensors [--epochs E] [--batch B] [--lr X]
[--init MODEL.safetensors | --from-scratch] [--device cpu|cuda] [--workers N]

Trains the exported Fusion Workbench model with PyTorch's distributed engine:

    torchrun --nproc_per_node 4 train.py data/metadata.csv --out trained.safetensors
    python3 train.py data/metadata.csv --out trained.safetensors      # one process

The architecture (model.py), preprocessing, vocabulary, labels, split of the
manifest's rows and optimizer (Adam, or SGD with momentum 0.9, weight decay,
modality dropout, learning-rate schedule and warm-up) are the model file's:
--init (default: model.safetensors beside this file) gives the starting
weights and every setting; --from-scratch keeps the settings and draws new
weights.  --batch is the global batch, as in the workbench: each of the N
processes takes batch / N rows a step (DistributedDataParallel averages their
gradients).  Processes talk over gloo on CPU and NCCL with --device cuda.
Rank 0 prints one line per epoch, writes OUT.safetensors (a workbench model
file: `fusion-workbench eval --model OUT.safetensors` reads it) and ends with
one JSON line: {"epochs", "train_loss", "val_accuracy", "test_accuracy",
"test_loss"} measured on the test split.
Written by `fusion-workbench export --torch`; needs python3-torch (and, to
read images, python3-gi with gir1.2-gdkpixbuf-2.0, as predict.py).
"""
import argparse
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

from model import FusionModel, load_safetensors  # noqa: E402
from predict import PROG, assign_splits, read_manifest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN, VAL, TEST = 0, 1, 2


class Rows(Dataset):
    """The preprocessed samples of some manifest rows.  A row whose image
    cannot be read comes back as its message (raised in a worker, it would
    reach the user as a worker's traceback)."""

    def __init__(self, model, manifest, rows, labels, chosen):
        self.model, self.manifest, self.rows, self.labels = model, manifest, rows, labels
        self.chosen = chosen

    def __len__(self):
        return len(self.chosen)

    def __getitem__(self, k):
        i = self.chosen[k]
        try:
            image, text = self.model.preprocess(self.rows[i]["image"], self.rows[i]["text"])
        except (ImportError, OSError, ValueError) as e:   # each names the image file
            return f"{self.manifest}: row {i + 1}: {e}"
        return image, text, self.labels[i]


def collate(items):
    for item in items:
        if isinstance(item, str):
            return item
    images, texts, labels = zip(*items)
    return torch.stack(images), torch.stack(texts), torch.tensor(labels, dtype=torch.int64)


class Objective(nn.Module):
    """The workbench's training loss, computed inside one forward so that
    DistributedDataParallel sees every parameter's gradient: cross-entropy,
    and for late fusion the loss of the mixed prediction plus each branch's
    own cross-entropy (fw_model_objective).  Returns (objective, per-row
    loss of the prediction, probabilities)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image, text, labels):
        m = self.model
        if m.kind == "late":
            li = m.image_head(m._image(image))
            lt = m.text_head(m.text_encoder(text))
            logits, probs = m.late(li, lt)
            losses = F.nll_loss(logits, labels, reduction="none")
            objective = losses.mean() + F.cross_entropy(li, labels) + F.cross_entropy(lt, labels)
        else:
            logits, probs = m(image, text)
            losses = F.cross_entropy(logits, labels, reduction="none")
            objective = losses.mean()
        return objective, losses, probs


def schedule_factor(kind, epochs, warmup_epochs, steps_per_epoch, step):
    """fw_schedule_factor: the learning rate's factor at a step (from 0)"""
    S, T, W = steps_per_epoch, epochs * steps_per_epoch, warmup_epochs * steps_per_epoch
    warm = (step + 1) / W if W > 0 and step + 1 < W else 1.0
    shape = 1.0
    if kind == "step":
        e = step // S
        if 2 * e >= epochs:
            shape *= 0.1
        if 4 * e >= 3 * epochs:
            shape *= 0.1
    elif kind == "cosine" and step >= W and T > W:
        shape = 0.5 * (1.0 + math.cos(math.pi * (step - W) / (T - W)))
    return warm * shape


def drop_modality(image, text, p, generator):
    """fw_model_set_rows' modality dropout: with probability p a training
    sample loses its image or its text (even odds), as a missing one"""
    n = image.shape[0]
    drop = torch.rand(n, generator=generator) < p
    which = torch.randint(0, 2, (n,), generator=generator)
    keep_image = ~(drop & (which == 0))
    keep_text = ~(drop & (which == 1))
    image = image * keep_image.view(-1, *([1] * (image.dim() - 1))).to(image.dtype)
    text = text * keep_text.view(-1, *([1] * (text.dim() - 1))).to(text.dtype)
    return image, text


def fail(message):
    sys.exit(f"{PROG}: {message}")


def save_model(model, meta, path):
    """a workbench model file: every parameter as F32 under its state_dict
    name, and the metadata; written beside and renamed, never half a file"""
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    header, offset, blobs = {}, 0, []
    for name, t in state.items():
        blob = t.numpy().tobytes() if hasattr(t, "numpy") else bytes(t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header["__metadata__"] = meta
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)          # the data starts 8-byte aligned
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def all_sum(values, device, distributed):
    t = torch.tensor(values, dtype=torch.float64, device=device)
    if distributed:
        dist.all_reduce(t)
    return t.tolist()


def evaluate(model, dataset, rank, world, batch, device, distributed):
    """(mean loss, accuracy) over the dataset, each process taking every
    world-th row; (nan, nan) when it is empty"""
    mine = list(range(rank, len(dataset), world))
    loss_sum = correct = 0.0
    model.eval()
    with torch.no_grad():
        for start in range(0, len(mine), batch):
            b = collate([dataset[k] for k in mine[start:start + batch]])
            if isinstance(b, str):
                fail(b)
            image, text, labels = (x.to(device) for x in b)
            _, losses, probs = Objective(model)(image, text, labels)
            loss_sum += float(losses.double().sum())
            # the workbench's argmax: the first of equal probabilities
            correct += float((probs.argmax(1) == labels).sum())
    model.train()
    loss_sum, correct, n = all_sum([loss_sum, correct, len(mine)], device, distributed)
    if n == 0:
        return float("nan"), float("nan")
    return loss_sum / n, correct / n


def json_number(x):
    return None if x != x else x


def main():
    ap = argparse.ArgumentParser(description="Train an exported Fusion Workbench model with "
                                 "PyTorch (torchrun for several processes or machines).")
    ap.add_argument("manifest", help="CSV, JSON Lines or a folder with metadata.csv/.jsonl")
    ap.add_argument("--out", required=True, help="the trained workbench model file to write")
    ap.add_argument("--init", default=os.path.join(HERE, "model.safetensors"),
                    help="model file of the starting weights and settings [model.safetensors]")
    ap.add_argument("--from-scratch", action="store_true",
                    help="new random weights (the settings still come from --init)")
    ap.add_argument("--epochs", type=int, help="[the model's]")
    ap.add_argument("--batch", type=int, help="global batch over all processes [the model's]")
    ap.add_argument("--lr", type=float, help="learning rate [the model's]")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader workers per process [2]")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="stop after this many optimizer steps (for checks) [0: no limit]")
    args = ap.parse_args()
    for name in ("epochs", "batch"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    if args.lr is not None and not (args.lr > 0 and math.isfinite(args.lr)):
        ap.error("--lr must be a positive number")
    if args.workers < 0:
        ap.error("--workers must be 0 or more")

    try:
        model = FusionModel.from_file(args.init)
        _, meta = load_safetensors(args.init)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        fail(f"{args.init}: not a readable model file: {e}")
    if "features" in (model.image_kind, model.text_kind):
        fail("train.py does not read precomputed features yet (--image-encoder or --text-encoder "
             "features): train such models with fusion-workbench train")
    c = model.config
    epochs = args.epochs or int(c["epochs"])
    batch = args.batch or int(c["batch"])
    lr = args.lr if args.lr is not None else float(c["lr"])
    seed = int(c["seed"])

    rows = read_manifest(args.manifest)
    split = assign_splits(rows, seed, float(c["val-fraction"]))
    class_index = {name: k for k, name in enumerate(model.labels)}
    labels = []
    for i, r in enumerate(rows):
        if r["label"] not in class_index:
            fail(f"{args.manifest}: row {i + 1}: label {r['label']!r} is not one of the model's classes")
        labels.append(class_index[r["label"]])
        if r["image"] is not None and model.kind != "text" and not os.path.exists(r["image"]):
            fail(f"{args.manifest}: row {i + 1}: {r['image']}: not found")
    parts = [Rows(model, args.manifest, rows, labels, [i for i in range(len(rows)) if split[i] == s])
             for s in (TRAIN, VAL, TEST)]
    if len(parts[TRAIN]) == 0:
        fail(f"{args.manifest}: no training rows")

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = world > 1
    if args.device == "cuda":
        if not torch.cuda.is_available():
            fail("--device cuda: PyTorch sees no CUDA device")
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if distributed:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
    if batch % world:
        fail(f"--batch {batch} is not a multiple of the {world} processes")
    local_batch = batch // world

    torch.manual_seed(seed)
    if args.from_scratch:
        for module in model.modules():
            if module is not model and hasattr(module, "reset_parameters"):
                module.reset_parameters()
        if model.kind == "late" and c["late-combine"] == "weighted":
            nn.init.zeros_(model.late.weights)
    model.to(device).train()
    objective = Objective(model)
    if distributed:
        # DDP also sends rank 0's starting weights to the others
        objective = nn.parallel.DistributedDataParallel(
            objective, device_ids=[device.index] if device.type == "cuda" else None)
    wd = float(c["weight-decay"])
    if c["optimizer"] == "sgd":
        optim = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    else:
        optim = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                 weight_decay=wd)
    sampler = DistributedSampler(parts[TRAIN], num_replicas=world, rank=rank, shuffle=True, seed=seed)
    loader = DataLoader(parts[TRAIN], batch_size=local_batch, sampler=sampler, collate_fn=collate,
                        num_workers=args.workers)
    dropout = float(c["modality-dropout"])
    dropout_rng = torch.Generator().manual_seed(seed * 1000003 + rank)
    steps_per_epoch = len(loader)

    step, train_loss, val_accuracy, done = 0, float("nan"), float("nan"), 0
    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)
        loss_sum = seen = 0.0
        for b in loader:
            if isinstance(b, str):
                fail(b)
            image, text, y = b
            if dropout > 0:
                image, text = drop_modality(image, text, dropout, dropout_rng)
            image, text, y = image.to(device), text.to(device), y.to(device)
            for group in optim.param_groups:
                group["lr"] = lr * schedule_factor(c.get("lr-schedule", "constant"), epochs,
                                                   int(c.get("warmup-epochs", 0)), steps_per_epoch, step)
            optim.zero_grad(set_to_none=True)
            obj, losses, _ = objective(image, text, y)
            if not torch.isfinite(obj):
                fail(f"epoch {epoch}: the loss is not finite; try a smaller --lr")
            obj.backward()
            optim.step()
            step += 1
            loss_sum += float(losses.detach().double().sum())
            seen += len(y)
            if args.max_steps and step >= args.max_steps:
                break
        loss_sum, seen = all_sum([loss_sum, seen], device, distributed)
        train_loss = loss_sum / seen
        _, val_accuracy = evaluate(model, parts[VAL], rank, world, local_batch, device, distributed)
        done = epoch
        if rank == 0:
            print(f"epoch {epoch}/{epochs}: train loss {train_loss:.6f}, val accuracy {val_accuracy:.6f}",
                  flush=True)
        if args.max_steps and step >= args.max_steps:
            break
    del loader          # its workers end here, not in the interpreter's exit
    test_loss, test_accuracy = evaluate(model, parts[TEST], rank, world, local_batch, device, distributed)

    if rank == 0:
        config = dict(c, epochs=done, batch=batch, lr=lr)
        out_meta = {k: v for k, v in meta.items() if k != "training_rows"}
        out_meta["config"] = json.dumps(config)
        try:
            save_model(model, out_meta, args.out)
        except OSError as e:
            fail(f"{args.out}: cannot be written: {e.strerror}")
        print(json.dumps({"epochs": done, "train_loss": json_number(train_loss),
                          "val_accuracy": json_number(val_accuracy),
                          "test_accuracy": json_number(test_accuracy),
                          "test_loss": json_number(test_loss)}), flush=True)
    if distributed:
        dist.barrier()      # the others wait for rank 0's file before leaving
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
