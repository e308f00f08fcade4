#!/usr/bin/python3
"""a11y-tree.py — what a screen reader sees: starts the workbench on a
built-in dataset, trains once (through the Train button's accessible
action), and walks the whole AT-SPI tree.  Fails on any object whose name
is a toolkit class name ("GtkFlowBoxChild", "FwModelPanel") and on doubled
names: a label glued in front of the text that already labels the object
("Epochs Epochs", "Open dataset Open").  Also checks that the charts
describe themselves and that the status line is announced.

Run inside dbus-run-session under Xvfb; argument: the fusion-workbench binary."""
import os
import re
import sys
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fwsession import Session  # noqa: E402

GENERIC = re.compile(r"^(Gtk|Fw|Adw|Gdk)[A-Z][A-Za-z]+$")
MAX_NODES = 20000


def walk(root):
    """(node, path) for every node under root, depth first."""
    stack = [(root, root.name or root.getRoleName())]
    seen = 0
    while stack and seen < MAX_NODES:
        node, path = stack.pop()
        seen += 1
        yield node, path
        try:
            n = node.childCount
        except Exception:
            continue
        for i in reversed(range(n)):
            try:
                child = node.getChildAtIndex(i)
            except Exception:
                continue
            if child is not None:
                stack.append((child, path + " > " + (child.name or child.getRoleName())))


CONTROLS = {pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
            pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_CHECK_MENU_ITEM}


def labelling_texts(node):
    """Texts that already label node: its labelled-by targets and, for
    buttons, the label inside them."""
    texts = []
    try:
        for rel in node.getRelationSet():
            if rel.getRelationType() == pyatspi.RELATION_LABELLED_BY:
                for i in range(rel.getNTargets()):
                    t = rel.getTarget(i)
                    if t is not None and t.name:
                        texts.append(t.name)
    except Exception:
        pass
    try:
        if node.getRole() not in CONTROLS:
            return texts
        for i in range(node.childCount):
            c = node.getChildAtIndex(i)
            if c is not None and c.getRole() == pyatspi.ROLE_LABEL and c.name:
                texts.append(c.name)
    except Exception:
        pass
    return texts


def doubled(node, name):
    words = name.split()
    half = len(words) // 2
    if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
        return True
    for text in labelling_texts(node):
        if name != text and name.endswith(" " + text):
            return True
    return False


def check_tree(app, when):
    problems = []
    for node, path in walk(app):
        try:
            name = node.name or ""
        except Exception:
            continue
        if GENERIC.match(name):
            problems.append(f"{when}: generic name {name!r} at {path}")
        elif name and doubled(node, name):
            problems.append(f"{when}: doubled name {name!r} at {path}")
    return problems


def find(app, predicate):
    for node, _ in walk(app):
        try:
            if predicate(node):
                return node
        except Exception:
            pass
    return None


def wait_for(app, predicate, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        node = find(app, predicate)
        if node is not None:
            return node
        time.sleep(0.3)
    return None


def main():
    session = Session(sys.argv[1], "builtin:shapes")
    failures = []
    try:
        app = session.find_app(lambda t: time.sleep(t))
        if app is None:
            print("Bail out! the workbench never showed up on the accessibility bus")
            return 1
        loaded = wait_for(app, lambda n: n.getRole() == pyatspi.ROLE_LABEL and "rows ·" in (n.name or ""))
        if loaded is None:
            print("Bail out! the dataset did not load")
            return 1
        failures += check_tree(app, "after loading")

        train = find(app, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == "Train")
        if train is None:
            failures.append("no push button named Train")
        else:
            train.queryAction().doAction(0)
            done = wait_for(app, lambda n: "finished" in (n.name or "") and n.getRole() in (pyatspi.ROLE_LABEL, pyatspi.ROLE_STATUS_BAR), 120)
            if done is None:
                failures.append("training never reported it finished")
            else:
                # the status line is a live region: announced, not just drawn
                attrs = dict(a.split(":", 1) for a in done.getAttributes() if ":" in a)
                if attrs.get("live") not in ("polite", "assertive") and \
                   done.getRole() != pyatspi.ROLE_STATUS_BAR:
                    failures.append(f"the status line is not announced: attributes {attrs}")
            failures += check_tree(app, "after training")
        # every chart says what it shows
        for node, path in walk(app):
            try:
                if node.getRole() == pyatspi.ROLE_IMAGE and node.name and "plot" in node.name.lower():
                    if not node.description:
                        failures.append(f"chart without a description: {path}")
            except Exception:
                pass
    finally:
        session.close()
    print("1..1")
    if failures:
        # one line per kind of problem, with how often and one place
        groups = {}
        for f in failures:
            key = f.split(" at ")[0]
            groups.setdefault(key, []).append(f)
        for key, items in groups.items():
            print(f"# {len(items)}× {items[0]}")
        print(f"# {len(failures)} problems")
        print("not ok 1 - accessible tree")
        return 1
    print("ok 1 - accessible tree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
