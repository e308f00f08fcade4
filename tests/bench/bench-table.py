#!/usr/bin/python3
"""Prints bench-train.sh's results (one JSON object a line) as a Markdown
table.  Usage: bench-table.py RESULTS.jsonl PEAK_GFLOPS THREADS EPOCHS"""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1])]
peak, threads, epochs = float(sys.argv[2]), sys.argv[3], sys.argv[4]


def best(side, f, e):
    rs = [r for r in rows if r["side"] == side and r["fusion"] == f and r["image_encoder"] == e]
    return max(rs, key=lambda r: r["samples_per_second"]) if rs else None


print(f"threads {threads}, epochs {epochs}, {rows[0]['train_n']} train rows, "
      f"{rows[0]['test_n']} test rows, batch 64, Adam 1e-3; sgemm peak {peak:.1f} GFLOP/s "
      f"at {threads} threads")
print()
print("| model | ours samples/s | PyTorch samples/s, same threads | ratio "
      "| PyTorch best samples/s (how) | ratio vs best "
      "| test acc ours / PyTorch | final train loss ours / PyTorch "
      "| ours GFLOP/s | of sgemm peak |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for f, e in [("early", "mlp"), ("intermediate", "mlp"), ("late", "mlp"), ("image", "mlp"),
             ("text", "mlp"), ("intermediate", "cnn")]:
    o, t = best("ours", f, e), best("torch-same", f, e)
    if not o or not t:
        continue
    tb = max((r for r in (best(s, f, e) for s in ("torch-same", "torch-passive", "torch-one")) if r),
             key=lambda r: r["samples_per_second"])
    how = {"torch-same": "same", "torch-passive": "OMP_WAIT_POLICY=passive",
           "torch-one": "1 thread"}[tb["side"]]
    gf = o["samples_per_second"] * t["flops_per_sample"] / 1e9
    name = f + (" concat" if f == "intermediate" else " mean" if f == "late" else "")
    print(f"| {name} ({e}) | {o['samples_per_second']:.0f} | {t['samples_per_second']:.0f} "
          f"| {o['samples_per_second'] / t['samples_per_second']:.1f}x "
          f"| {tb['samples_per_second']:.0f} ({how}) "
          f"| {o['samples_per_second'] / tb['samples_per_second']:.2f}x "
          f"| {o['test_accuracy']:.4f} / {t['test_accuracy']:.4f} "
          f"| {o['final_train_loss']:.4f} / {t['final_train_loss']:.4f} "
          f"| {gf:.1f} | {100 * gf / peak:.0f}% |")
