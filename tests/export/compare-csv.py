#!/usr/bin/env python3
"""compare-csv.py EXPECTED.csv ACTUAL.csv — two prediction CSVs
(index,label,predicted,p_<class>...) hold the same header, rows, labels
and predicted classes (unless the top two probabilities are within 1e-4),
and probabilities within 1e-4.  Also fails when the probabilities hardly
vary, which would make the comparison vacuous.  Prints the largest gap."""
import csv
import sys

TOL = 1e-4


def main():
    a = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
    b = list(csv.reader(open(sys.argv[2], encoding="utf-8", newline="")))
    if a[0] != b[0]:
        sys.exit(f"headers differ: {a[0]} vs {b[0]}")
    if [r[:2] for r in a[1:]] != [r[:2] for r in b[1:]]:
        sys.exit(f"rows differ: {len(a) - 1} vs {len(b) - 1} rows, or other indexes or labels")
    if len(a) < 3:
        sys.exit("fewer than two rows: nothing to compare")
    worst, lo, hi = 0.0, 1.0, 0.0
    for ra, rb in zip(a[1:], b[1:]):
        pa, pb = [float(x) for x in ra[3:]], [float(x) for x in rb[3:]]
        worst = max([worst] + [abs(x - y) for x, y in zip(pa, pb)])
        lo, hi = min([lo] + pa), max([hi] + pa)
        top = sorted(pa, reverse=True)
        if ra[2] != rb[2] and top[0] - top[1] > TOL:
            sys.exit(f"row {ra[0]}: predicted {ra[2]!r} vs {rb[2]!r}")
    print(f"{len(a) - 1} rows, max |p difference| = {worst:.3g}")
    if not worst <= TOL:
        sys.exit(f"probabilities differ by {worst} > {TOL}")
    if hi - lo < 0.02:   # still 200 times the tolerance
        sys.exit(f"probabilities only span [{lo}, {hi}]: train the test model longer")


if __name__ == "__main__":
    main()
