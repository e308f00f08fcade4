#!/usr/bin/env python3
"""Every Alt+letter mnemonic names one control per window, in English and in
Korean: two visible buttons with the same underlined letter make Alt+letter
cycle between them instead of pressing one.  The main window is composed of
every template but the Tuning window's (its own window) and the shortcuts
window (no mnemonics).

Usage: check-mnemonics.py RESOURCES_DIR KO_PO   (prints TAP)
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

resources, ko_po = sys.argv[1], sys.argv[2]
SEPARATE_WINDOWS = {"fw-tuning-window.ui", "fw-shortcuts-window.ui"}


def underlined_labels(path):
    """labels of the objects that set use-underline"""
    labels = []
    for obj in ET.parse(path).iter("object"):
        props = {p.get("name"): (p.text or "") for p in obj.findall("property")}
        if props.get("use-underline") == "True" and "label" in props:
            labels.append(props["label"])
    return labels


def translations(path):
    """msgid -> msgstr of a .po file (single-line entries are enough here)"""
    table, msgid = {}, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r'msgid "(.*)"$', line)
        if m:
            msgid = m.group(1)
        m = re.match(r'msgstr "(.*)"$', line)
        if m and msgid:
            table[msgid] = m.group(1)
    return table


def mnemonic(label):
    m = re.search(r"_(\w)", label)
    return m.group(1).lower() if m else None


ko = translations(ko_po)
windows = {"main window": []}
for name in sorted(os.listdir(resources)):
    if name.endswith(".ui"):
        window = name if name in SEPARATE_WINDOWS else "main window"
        windows.setdefault(window, []).extend(underlined_labels(os.path.join(resources, name)))

n, failed = 0, False
for window, labels in windows.items():
    for language, text in (("English", lambda s: s), ("Korean", lambda s: ko.get(s) or s)):
        seen = {}
        for label in labels:
            key = mnemonic(text(label))
            if key:
                seen.setdefault(key, []).append(text(label))
        clashes = {k: v for k, v in seen.items() if len(v) > 1}
        n += 1
        print(f"{'not ok' if clashes else 'ok'} {n} {window}, {language}: {len(labels)} mnemonics, each once")
        for key, which in clashes.items():
            print(f"# Alt+{key.upper()}: {', '.join(which)}")
        failed |= bool(clashes)
print(f"1..{n}")
sys.exit(1 if failed else 0)
