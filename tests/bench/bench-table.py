#!/usr/bin/python3
"""Prints bench-train.sh's results (one JSON object a line) as Markdown
tables: the fair ratio first, ours at its default --threads against PyTorch
at the fastest of its three thread settings; then ours at 2 threads ÷ 1,
without and with a competing CPU-bound process, from each repetition's two
runs back to back (a shared machine's timings scatter: one pair proves
little, so the median of many with its interval).  The share of the sgemm peak is
bench-layers' business: it is measured in CPU time, which a shared
machine's load does not distort the way it distorts these wall times.
Usage: bench-table.py RESULTS.jsonl LAYERS.txt EPOCHS"""
import json
import math
import os
import re
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
layers = open(sys.argv[2]).read()
epochs = sys.argv[3]
peak1 = float(re.search(r"sgemm peak ([0-9.]+)", layers).group(1))
cores = os.cpu_count()
HOW = {"torch-same": f"{cores} threads", "torch-passive": "passive wait", "torch-one": "1 thread"}


def pick(side, key, competitor="no"):
    return [r for r in rows if r["side"] == side and r["competitor"] == competitor
            and (r["fusion"], r["image_encoder"], r["text_encoder"]) == key]


def best(side, key, competitor="no"):
    rs = pick(side, key, competitor)
    return max(rs, key=lambda r: r["samples_per_second"]) if rs else None


def median_sps(side, key, competitor):
    v = sorted(r["samples_per_second"] for r in pick(side, key, competitor))
    if not v:
        return None
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def median_interval(v):
    """a 95% interval for the median of v, from order statistics (no
    assumption on the distribution): the k-th smallest and largest values,
    k the largest with P(Binomial(n, 1/2) < k) <= 2.5%; None below 6 values"""
    v, n = sorted(v), len(v)
    k, below = 0, 0.0
    for j in range(n + 1):
        p = math.comb(n, j) / 2 ** n
        if below + p > 0.025:
            break
        below += p
        k = j + 1
    return (v[k - 1], v[n - k]) if k >= 1 else None


def pair_ratios(key, competitor):
    """2 threads ÷ 1 thread of each repetition whose two runs share a pair id"""
    by = {}
    for side in ("ours-default", "ours-1"):
        for r in pick(side, key, competitor):
            if r.get("pair", "none") != "none":
                by.setdefault(r["pair"], {})[side] = r["samples_per_second"]
    return [p["ours-default"] / p["ours-1"] for p in by.values() if len(p) == 2]


def thread_ratio(key, competitor):
    """the median of the pairs' ratios (2 threads ÷ 1, each pair's runs
    back to back), its 95% interval, how many pairs 2 threads won, the
    median samples/s of each side and the load; for results without pair
    ids, the ratio of the medians"""
    d, o = median_sps("ours-default", key, competitor), median_sps("ours-1", key, competitor)
    if d is None or o is None:
        return "–"
    rs = pick("ours-default", key, competitor) + pick("ours-1", key, competitor)
    loads = [r["load"] for r in rs]
    load = f"load {min(loads):.1f}-{max(loads):.1f}"
    # bench-train.sh -m trains short models for more epochs than the header's
    runs_epochs = sorted({r["epochs"] for r in rs})
    if runs_epochs != [int(epochs)]:
        load = f"{'/'.join(map(str, runs_epochs))} epochs a run; {load}"
    ratios = pair_ratios(key, competitor)
    if not ratios:
        n = min(len(pick("ours-default", key, competitor)), len(pick("ours-1", key, competitor)))
        return f"**{d / o:.2f}** ({d:,.0f} / {o:,.0f}; {n}; {load})"
    ci = median_interval(ratios)
    ci = f"{ci[0]:.2f}-{ci[1]:.2f}, " if ci else ""
    wins = sum(r >= 1 for r in ratios)
    return (f"**{median(ratios):.2f}** ({ci}{wins} of {len(ratios)} ≥ 1; "
            f"{d:,.0f} / {o:,.0f}; {load})")


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def same_note(k):
    """PyTorch's default setting, when it gave up or lost, in a few words"""
    s = best("torch-same", k)
    if s is None:
        return ""
    if s.get("timed_out"):
        return f"; default threads: < {s['samples_per_second']:,.0f}, gave up"
    return f"; default threads: {s['samples_per_second']:,.0f}"


keys = []
for r in rows:
    k = (r["fusion"], r["image_encoder"], r["text_encoder"])
    if k not in keys:
        keys.append(k)

def model_name(k):
    f, ie, te = k
    return f"{f} ({ie}" + (f", {te}" if te != "bow" or f in ("text", "early") else "") + ")"


first = rows[0]
loads = [r["load"] for r in rows]
print(f"epochs {epochs}, {first['train_n']} train rows, batch 64, Adam 1e-3; {cores} cores; "
      f"load average {min(loads):.1f}-{max(loads):.1f} during the runs; "
      f"sgemm peak {peak1:.0f} GFLOP/s a core")
print()
print("| model | ours ÷ PyTorch best | ours, default threads | ours, 1 thread | ours 2 threads ÷ 1 "
      "| PyTorch best (setting) | ours 1 thread ÷ PyTorch 1 thread "
      "| test accuracy ours / PyTorch | seeds |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for k in keys:
    f, ie, te = k
    od, o1 = best("ours-default", k), best("ours-1", k)
    tb = [best(s, k) for s in ("torch-same", "torch-passive", "torch-one")]
    tb = [t for t in tb if t]
    if not od or not o1 or not tb:
        continue
    tb = [t for t in tb if t]
    t = max(tb, key=lambda r: r["samples_per_second"])
    if t.get("timed_out"):   # only bounds: no PyTorch setting finished
        continue
    t1 = best("torch-one", k)
    # accuracy: seed 1 from the timed runs, the other seeds from the extra runs
    ours_acc = [od["test_accuracy"]] + [r["test_accuracy"] for r in pick("ours-seed", k)]
    torch_acc = [(t1 or t)["test_accuracy"]]
    torch_acc = [a for a in torch_acc if a is not None] + [r["test_accuracy"] for r in pick("torch-seed", k)]
    name = model_name(k)
    print(f"| {name} | **{od['samples_per_second'] / t['samples_per_second']:.2f}×** "
          f"| {od['samples_per_second']:,.0f} | {o1['samples_per_second']:,.0f} "
          f"| {od['samples_per_second'] / o1['samples_per_second']:.2f} "
          f"| {t['samples_per_second']:,.0f} ({HOW[t['side']]}{same_note(k)}) "
          f"| {o1['samples_per_second'] / t1['samples_per_second']:.2f}× "
          f"| {mean(ours_acc):.4f} / {mean(torch_acc):.4f} | {len(ours_acc)} / {len(torch_acc)} |")

print()
print("Ours at the default threads ÷ 1 thread: the median of the repetitions' ratios (each "
      "repetition runs both back to back), its 95% interval (order statistics), how many "
      "repetitions 2 threads won, the median samples/s at 2 threads / at 1, the load average:")
print()
print("| model | quiet: 2 threads ÷ 1 | with a competing process: 2 threads ÷ 1 |")
print("|---|---:|---:|")
for k in keys:
    if not pick("ours-default", k) and not pick("ours-default", k, "yes"):
        continue
    print(f"| {model_name(k)} | {thread_ratio(k, 'no')} | {thread_ratio(k, 'yes')} |")
