#!/usr/bin/env python3
"""tsan-ours.py LOG... — sorts ThreadSanitizer reports into ours and the
libraries'.  A report is ours when, in either of its two racing accesses
(or a lock-order cycle, or any other kind of report), the first frame
that is not the sanitizer's own interceptor is in our sources (core/, ui/,
app/, tests/).  The libraries (GLib, GTK, cairo, fontconfig) are not built
with TSan, so their internal ordering is invisible to it: a race made
entirely inside them is listed by count, never fails the run.  Prints
every report of ours in full; exits 1 when there is one."""
import re
import sys

OURS = re.compile(r"\.\./(core|ui|app|tests)/")
SANITIZER = re.compile(r"libtsan\.so|/libsanitizer/")


def first_real_frame(stack):
    for line in stack:
        if not SANITIZER.search(line):
            return line
    return ""


def is_ours(report):
    kind = report.splitlines()[0]
    if "data race" not in kind:
        return True   # lock-order inversions, misuse of mutexes...: always looked at
    stacks, current = [], None
    for line in report.splitlines():
        if re.match(r"\s+(Write|Read|Atomic|Previous)", line):
            current = []
            stacks.append(current)
        elif current is not None and re.match(r"\s+#\d+ ", line):
            current.append(line)
        elif current is not None and not line.strip():
            current = None
    return any(OURS.search(first_real_frame(s)) for s in stacks)


ours = libraries = 0
for path in sys.argv[1:]:
    text = open(path, errors="replace").read()
    for report in text.split("WARNING: ThreadSanitizer:")[1:]:
        report = report.split("\n==================")[0]
        if is_ours(report):
            ours += 1
            print(f"WARNING: ThreadSanitizer:{report}\n")
        else:
            libraries += 1
print(f"tsan-ours: {ours} report(s) in our code, {libraries} inside the libraries alone")
sys.exit(1 if ours else 0)
