#!/usr/bin/env python3
"""train.py MANIFEST --out OUT.safetensors [--epochs E] [--batch B] [--lr X]
[--init MODEL.safetensors | --init CHECKPOINT | --from-scratch] [--device cpu|cuda]
[--workers N] [--timeout S]

Trains the exported Fusion Workbench model with PyTorch's distributed engine:

    torchrun --nproc_per_node 4 train.py data/metadata.csv --out trained.safetensors
    python3 train.py data/metadata.csv --out trained.safetensors      # one process

The architecture (model.py), preprocessing, vocabulary, labels, split of the
manifest's rows and optimizer (Adam, or SGD with the model's momentum, weight
decay, modality dropout, learning-rate schedule and warm-up) are the model
file's: --init (default: model.safetensors beside this file) gives the
starting weights and every setting; --from-scratch keeps the settings and
draws new weights.  The rows come in the workbench's order (its shuffle, from
the model's seed) and modality dropout draws the workbench's numbers, so one
process trains as `fusion-workbench train` does; --init with a checkpoint of
`train --checkpoint` goes on from it like `train --resume` (its data order,
step and learning rate; the optimizer's moments start afresh), and --epochs
counts the epochs after it.  --batch is the global batch, as in the
workbench: each step's rows are split over the N processes (batch / N each;
the last, shorter step as evenly as it goes) and their gradients are summed
so that the step is the full batch's.  Every process runs the same steps,
so none waits for another forever; a process that fails ends the others,
and --timeout bounds any wait.  Processes talk over gloo on CPU and NCCL
with --device cuda.  Rank 0 prints one line per epoch, writes
OUT.safetensors (a workbench model file with the fingerprint of its
training rows: `fusion-workbench eval --model OUT.safetensors` reads it) and
ends with one JSON line: {"epochs", "train_loss", "val_accuracy",
"test_accuracy", "test_loss"} measured on the test split.
Written by `fusion-workbench export --torch`; needs python3-torch (and, to
read images, python3-gi with gir1.2-gdkpixbuf-2.0, as predict.py).
"""
import argparse
import base64
import datetime
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

from model import MAX_TOKENS, FusionModel, load_safetensors  # noqa: E402
from predict import PROG, assign_splits, read_manifest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN, VAL, TEST = 0, 1, 2
M64 = (1 << 64) - 1
CHECKPOINT = "checkpoint."      # FW_MODEL_FILE_EXTRA_PREFIX: a checkpoint's extra tensors
DISTRIBUTED = False             # several processes: a failure must end this one at once
# Tensors handed to collectives stay referenced until the process group is
# gone: if gloo's worker thread dropped the last reference, it would need the
# GIL while the main thread, holding it, joins that thread in the process
# group's destructor -- the hang of one rank spinning after the other left.
_SENT = []


class CoreRng:
    """fw-rng.h: the workbench's generator (splitmix64), bit for bit"""

    def __init__(self, state):
        self.state = state & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 40) / 16777216.0

    def below(self, n):
        return ((self.next() >> 32) * n) >> 32

    def shuffle(self, v):
        """fw_rng_shuffle: Fisher-Yates from the end"""
        for i in range(len(v) - 1, 0, -1):
            j = self.below(i + 1)
            v[i], v[j] = v[j], v[i]


def _mix(z):
    z ^= z >> 33
    z = (z * 0xFF51AFD7ED558CCD) & M64
    z ^= z >> 33
    z = (z * 0xC4CEB9FE1A85EC53) & M64
    return z ^ (z >> 33)


def row_set_json(keys, max_keys=65536, bits=20):
    """fw_row_set_to_json: the fingerprint of the training rows a model file
    carries (a Golomb-Rice coded set of the rows' hashed keys), so that
    `fusion-workbench eval` can tell how many evaluated rows were trained on"""
    sample_all = 1 << 32
    distinct = sorted(set(keys))
    sample = sample_all
    if len(distinct) > max_keys:
        sample = int(float(sample_all) * max_keys / len(distinct))
    kept = [k for k in distinct if (k >> 32) < sample]
    span = len(kept) << bits
    values = sorted((_mix(k) * span) >> 64 for k in kept)
    out, byte, nbits, prev = bytearray(), 0, 0, 0

    def put(bit):
        nonlocal byte, nbits
        byte = byte << 1 | bit
        nbits += 1
        if nbits == 8:
            out.append(byte)
            byte, nbits = 0, 0
    for v in values:
        gap, prev = v - prev, v
        for _ in range(gap >> bits):
            put(1)
        put(0)
        for b in range(bits - 1, -1, -1):
            put(gap >> b & 1)
    if nbits:
        out.append(byte << (8 - nbits))
    gcs = base64.b64encode(bytes(out)).decode("ascii")
    return (f'{{"rows": {len(keys)}, "keys": {len(kept)}, "bits": {bits}, '
            f'"sample": {sample}, "gcs": "{gcs}"}}')


class StepBatches:
    """The batch sampler: each epoch the workbench's order of the training
    rows (fw_rng_shuffle of the last epoch's order, as fw-trainer.c does), cut
    into steps of the global batch; this process takes its share of every
    step's rows.  Every process yields the same number of steps, the last
    ones perhaps empty, so that no process waits for another's allreduce."""

    def __init__(self, n, batch, world, rank, shuffle_state, order):
        self.n, self.batch, self.world, self.rank = n, batch, world, rank
        self.start_state, self.start_order = shuffle_state, list(order)
        self.epochs_shuffled, self.rng, self.order = 0, CoreRng(shuffle_state), list(order)

    def set_epoch(self, k):
        """the order of this run's k-th epoch (k from 1): k shuffles"""
        if k < self.epochs_shuffled:
            self.epochs_shuffled, self.rng, self.order = 0, CoreRng(self.start_state), list(self.start_order)
        while self.epochs_shuffled < k:
            self.rng.shuffle(self.order)
            self.epochs_shuffled += 1

    def __len__(self):
        return (self.n + self.batch - 1) // self.batch

    def share(self, b):
        """[lo, hi) of a step's b rows that are this process's"""
        return self.rank * b // self.world, (self.rank + 1) * b // self.world

    def step(self, s):
        """(first position, rows) of step s (from 0) in the epoch's order"""
        start = s * self.batch
        return start, min(self.batch, self.n - start)

    def __iter__(self):
        order = list(self.order)
        for s in range(len(self)):
            start, b = self.step(s)
            lo, hi = self.share(b)
            yield order[start + lo:start + hi]


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


class Collate:
    """stacks a batch; a process's share of a short last step may be no rows"""

    def __init__(self, model):
        c, s = model.channels, model.size
        self.image = torch.zeros(0, c, s, s)
        self.text = (torch.zeros(0, MAX_TOKENS, dtype=torch.int64) if model.uses_tokens
                     else torch.zeros(0, len(model.vocab)))

    def __call__(self, items):
        for item in items:
            if isinstance(item, str):
                return item
        if not items:
            return self.image, self.text, torch.zeros(0, dtype=torch.int64)
        images, texts, labels = zip(*items)
        return torch.stack(images), torch.stack(texts), torch.tensor(labels, dtype=torch.int64)


class Objective(nn.Module):
    """The workbench's training loss, computed inside one forward so that
    DistributedDataParallel sees every parameter's gradient: cross-entropy,
    and for late fusion the loss of the mixed prediction plus each branch's
    own cross-entropy (fw_model_objective).  Returns per row (objective,
    loss of the prediction), and the probabilities."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image, text, labels):
        m = self.model
        if m.kind == "late":
            li = m.image_head(m._image(image))
            lt = m.text_head(m.text_encoder(text))
            logits, probs = m.late(li, lt)
            # mean and weighted give the log of the mixed probabilities;
            # stacking gives a linear layer's logits
            losses = (F.cross_entropy(logits, labels, reduction="none") if m.late.combine == "stacking"
                      else F.nll_loss(logits, labels, reduction="none"))
            objective = (losses + F.cross_entropy(li, labels, reduction="none")
                         + F.cross_entropy(lt, labels, reduction="none"))
        else:
            logits, probs = m(image, text)
            losses = F.cross_entropy(logits, labels, reduction="none")
            objective = losses
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


def dropout_draws(rng, b, p):
    """fw_model_set_rows' modality dropout for a step's b rows, the
    workbench's numbers: with probability p a row loses its image or its
    text (even odds), as a missing one.  (keep image, keep text) per row."""
    keep_image, keep_text = [True] * b, [True] * b
    for i in range(b):
        if rng.uniform() < p:
            if rng.below(2) == 0:
                keep_image[i] = False
            else:
                keep_text[i] = False
    return keep_image, keep_text


def blank(x, keep):
    """x with the rows not kept zeroed: a blank image, or a caption of no tokens"""
    mask = torch.tensor(keep, dtype=torch.bool).view(-1, *([1] * (x.dim() - 1)))
    return torch.where(mask, x, torch.zeros((), dtype=x.dtype))


def fail(message):
    if not DISTRIBUTED:
        sys.exit(f"{PROG}: {message}")
    # not sys.exit: tearing the process group down could wait on the other
    # processes; leaving at once makes torchrun end them
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(1)


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
        _SENT.append(t)
        dist.all_reduce(t)
    return t.tolist()


def evaluate(model, dataset, rank, world, batch, device, distributed):
    """(mean loss, accuracy) over the dataset, each process taking every
    world-th row; (nan, nan) when it is empty"""
    mine = list(range(rank, len(dataset), world))
    loss_sum = correct = 0.0
    collate = Collate(model)
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



def load_start(path):
    """(model, metadata, checkpoint state or None, its training order or
    None) of a model file or a checkpoint of `train --checkpoint`"""
    tensors, meta = load_safetensors(path)
    if meta.get("format") != "fusion-workbench" or meta.get("version") != "1":
        raise ValueError("not a version 1 Fusion Workbench model file")
    model = FusionModel(json.loads(meta["config"]), json.loads(meta["labels"]),
                        json.loads(meta["vocab"]), json.loads(meta.get("preprocess", "{}")))
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(CHECKPOINT)},
                          strict=True)
    state = order = None
    if "checkpoint" in meta:
        saved = json.loads(meta["checkpoint"])
        order = tensors.get(CHECKPOINT + "train_order")
        if not isinstance(saved, dict) or order is None:
            raise ValueError("a checkpoint without its state or training order")
        # exact text, as fw-checkpoint.c writes it
        try:
            state = {"epoch": int(saved["epoch"]), "step": int(saved["step"]), "lr": float(saved["lr"]),
                     "shuffle_rng": int(saved["shuffle_rng"], 16),
                     "dropout_rng": int(saved["dropout_rng"], 16)}
        except KeyError as e:
            raise ValueError(f"its checkpoint state has no {e}") from None
        if state["epoch"] < 1 or state["step"] < 0 or not state["lr"] > 0:
            raise ValueError("a checkpoint with an impossible state")
        order = [int(i) for i in order.tolist()]
    return model, meta, state, order


def start_order(chosen, saved, manifest, init):
    """the training rows' positions in the order a checkpoint left them
    (the workbench's row indices), or in manifest order"""
    if saved is None:
        return list(range(len(chosen)))
    where = {row: k for k, row in enumerate(chosen)}
    if sorted(saved) != sorted(chosen):
        fail(f"{init}: the checkpoint's training rows are not the training rows of {manifest}")
    return [where[row] for row in saved]


def main():
    global DISTRIBUTED
    ap = argparse.ArgumentParser(description="Train an exported Fusion Workbench model with "
                                 "PyTorch (torchrun for several processes or machines).")
    ap.add_argument("manifest", help="CSV, JSON Lines or a folder with metadata.csv/.jsonl")
    ap.add_argument("--out", required=True, help="the trained workbench model file to write")
    ap.add_argument("--init", default=os.path.join(HERE, "model.safetensors"),
                    help="model file or checkpoint of the starting weights and settings "
                    "[model.safetensors]")
    ap.add_argument("--from-scratch", action="store_true",
                    help="new random weights (the settings still come from --init)")
    ap.add_argument("--epochs", type=int, help="epochs to train [the model's; after a checkpoint: "
                    "the rest of its run's]")
    ap.add_argument("--batch", type=int, help="global batch over all processes [the model's]")
    ap.add_argument("--lr", type=float, help="learning rate [the model's]")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader workers per process [2]")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds a process waits for the others or for a worker before it "
                    "gives up [600]")
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
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        ap.error("--timeout must be a positive number of seconds")

    try:
        model, meta, saved, saved_order = load_start(args.init)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        fail(f"{args.init}: not a readable model file: {e}")
    if "features" in (model.image_kind, model.text_kind):
        fail("train.py does not read precomputed features yet (--image-encoder or --text-encoder "
             "features): train such models with fusion-workbench train")
    c = model.config
    seed = int(c["seed"])
    if saved is not None and args.from_scratch:
        fail(f"{args.init}: a checkpoint goes on with its weights; --from-scratch starts over")
    before = saved["epoch"] if saved else 0          # epochs the checkpoint trained
    epochs = args.epochs or int(c["epochs"]) - before
    if epochs < 1:
        fail(f"{args.init}: it has already trained {before} epochs; ask for more with --epochs")
    total_epochs = before + epochs                   # what the schedule spans
    batch = args.batch or int(c["batch"])
    lr = args.lr if args.lr is not None else saved["lr"] if saved else float(c["lr"])

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
    train = parts[TRAIN]
    if len(train) == 0:
        fail(f"{args.manifest}: no training rows")
    if saved is not None and batch != int(c["batch"]):
        fail(f"{args.init}: a checkpoint goes on with its batch of {c['batch']}, not --batch {batch}")
    order = start_order(train.chosen, saved_order, args.manifest, args.init)

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = DISTRIBUTED = world > 1
    if batch % world:
        fail(f"--batch {batch} is not a multiple of the {world} processes")
    if args.device == "cuda":
        if not torch.cuda.is_available():
            fail("--device cuda: PyTorch sees no CUDA device")
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")

    # fw_trainer_new's generators, or where the checkpoint left them
    shuffle_state = saved["shuffle_rng"] if saved else (seed * 0x9E3779B97F4A7C15 + 1) & M64
    dropout_rng = CoreRng(saved["dropout_rng"] if saved else seed ^ 0xD0D0D0D0CAFEF00D)
    steps = StepBatches(len(train), batch, world, rank, shuffle_state, order)
    loader = DataLoader(train, batch_sampler=steps, collate_fn=Collate(model), num_workers=args.workers,
                        persistent_workers=args.workers > 0,
                        timeout=args.timeout if args.workers > 0 else 0)
    if args.workers > 0:
        # the workers are forked now, before this process has threads of
        # gloo or of the image decoder that a fork would copy mid-lock
        iter(loader)
    if distributed:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo",
                                timeout=datetime.timedelta(seconds=args.timeout))

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
        optim = torch.optim.SGD(model.parameters(), lr=lr, momentum=float(c.get("momentum", 0.9)),
                                weight_decay=wd)
    else:
        optim = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                 weight_decay=wd)
    dropout = float(c["modality-dropout"])
    steps_per_epoch = len(steps)

    step = saved["step"] if saved else 0
    taken, train_loss, val_accuracy, done = 0, float("nan"), float("nan"), 0
    for epoch in range(before + 1, total_epochs + 1):
        steps.set_epoch(epoch - before)
        loss_sum = seen = 0.0
        for s, b in enumerate(loader):
            if isinstance(b, str):
                fail(b)
            image, text, y = b
            _, n_step = steps.step(s)
            if dropout > 0:
                keep_image, keep_text = dropout_draws(dropout_rng, n_step, dropout)
                lo, hi = steps.share(n_step)
                image, text = blank(image, keep_image[lo:hi]), blank(text, keep_text[lo:hi])
            image, text, y = image.to(device), text.to(device), y.to(device)
            for group in optim.param_groups:
                group["lr"] = lr * schedule_factor(c.get("lr-schedule", "constant"), total_epochs,
                                                   int(c.get("warmup-epochs", 0)), steps_per_epoch, step)
            optim.zero_grad(set_to_none=True)
            rows_objective, losses, _ = objective(image, text, y)
            # the sum over this process's rows / the step's rows: DDP
            # averages over the processes, so world / n_step makes the mean
            # of the whole step's rows, as one process on the full batch
            obj = rows_objective.sum() * (world / n_step)
            if not torch.isfinite(obj):
                fail(f"epoch {epoch}: the loss is not finite; try a smaller --lr")
            obj.backward()
            optim.step()
            step += 1
            taken += 1
            loss_sum += float(losses.detach().double().sum())
            seen += len(y)
            if args.max_steps and taken >= args.max_steps:
                break
        loss_sum, seen = all_sum([loss_sum, seen], device, distributed)
        train_loss = loss_sum / seen
        _, val_accuracy = evaluate(model, parts[VAL], rank, world, batch // world, device, distributed)
        done = epoch
        if rank == 0:
            print(f"epoch {epoch}/{total_epochs}: train loss {train_loss:.6f}, "
                  f"val accuracy {val_accuracy:.6f}", flush=True)
        if args.max_steps and taken >= args.max_steps:
            break
    del loader          # its workers end here, not in the interpreter's exit
    test_loss, test_accuracy = evaluate(model, parts[TEST], rank, world, batch // world, device,
                                        distributed)

    if rank == 0:
        config = dict(c, epochs=done, batch=batch, lr=lr)
        out_meta = {k: v for k, v in meta.items() if k not in ("checkpoint", "checkpoint_sha256")}
        out_meta["config"] = json.dumps(config)
        out_meta["training_rows"] = row_set_json([rows[i]["key"] for i in train.chosen])
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
        # DDP's reducer holds the process group: let it go first, so the
        # group ends here, with every collective done and its tensors alive
        del objective, optim
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
