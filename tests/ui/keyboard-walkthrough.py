#!/usr/bin/python3
"""keyboard-walkthrough.py — the workbench by keyboard alone, with real key
events through the X server (xdotool) under a window manager (openbox) on
a private Xvfb: choose a built-in dataset from the main menu, train,
compare the fusion types, and open a sample from the sample grid.  What the
window shows is read back through AT-SPI, as a screen reader would.

Run inside dbus-run-session; argument: the fusion-workbench binary."""
import os
import subprocess
import sys
import time

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import GLib  # noqa: E402
import pyatspi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fwsession import Session  # noqa: E402

TIMEOUT = 40
focused = {"name": None, "role": None}


def log(msg):
    print("# " + msg, flush=True)


def pump(seconds):
    """Lets AT-SPI events arrive for a while."""
    ctx = GLib.MainContext.default()
    end = time.time() + seconds
    while time.time() < end:
        while ctx.iteration(False):
            pass
        time.sleep(0.01)


def on_focus(event):
    if event.detail1:
        try:
            focused["name"] = event.source.name
            focused["role"] = event.source.getRoleName()
            if os.environ.get("FW_WALK_VERBOSE"):
                chain, node = [], event.source
                while node is not None and len(chain) < 12:
                    chain.append(f"{node.getRoleName()}:{node.name}")
                    node = node.parent
                log("focus " + " < ".join(chain))
        except Exception:
            pass


def key(display, *keys):
    for k in keys:
        subprocess.run(["xdotool", "key", "--delay", "60", k], env=dict(os.environ, DISPLAY=display), check=True)
        pump(0.25)
        if os.environ.get("FW_WALK_VERBOSE"):
            log(f"{k} → {focused['role']}: {focused['name']}")


def find(node, predicate, depth=0):
    try:
        if predicate(node):
            return node
        for i in range(node.childCount):
            child = node.getChildAtIndex(i)
            if child is not None:
                hit = find(child, predicate, depth + 1)
                if hit is not None:
                    return hit
    except Exception:
        pass
    return None


def status_text(app):
    node = find(app, lambda n: n.getRole() == pyatspi.ROLE_STATUS_BAR)
    return node.name if node is not None else ""


def wait_for(what, cond, timeout=TIMEOUT, app=None):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        pump(0.3)
    log("timed out waiting for " + what + (f"; the status says: {status_text(app)}" if app else ""))
    return False


def main():
    session = Session(sys.argv[1], "builtin:shapes", window_manager=True)
    display, proc = session.display, session.proc
    steps = []

    def step(what, ok):
        steps.append((what, ok))
        print(("ok" if ok else "FAILED") + f" {len(steps)} - {what}", flush=True)

    try:
        pyatspi.Registry.registerEventListener(on_focus, "object:state-changed:focused")
        app = session.find_app(pump)
        if app is None:
            print("Bail out! no window on the accessibility bus")
            return 1
        ok = wait_for("the first dataset", lambda: find(app, lambda n: n.name == "shapes (built-in)") is not None)
        step("the window opens on builtin:shapes", ok)
        # the window manager gives the window the keyboard
        xenv = dict(os.environ, DISPLAY=display)
        wids = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(proc.pid)],
                              env=xenv, capture_output=True, text=True, timeout=30).stdout.split()
        for wid in wids[:1]:
            subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=xenv, timeout=30)
        pump(0.5)

        # 0. the mouse wheel over the Model panel scrolls it, and changes no value
        for role, name in ((pyatspi.ROLE_SPIN_BUTTON, "Epochs"), (pyatspi.ROLE_SLIDER, "Learning rate")):
            control = find(app, lambda n: n.getRole() == role and n.name == name)
            if control is None:
                step(f"the {name} control is there", False)
                continue
            before = control.queryValue().currentValue
            box = control.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            subprocess.run(["xdotool", "mousemove", "--sync", str(box.x + box.width // 2), str(box.y + box.height // 2),
                            "click", "--repeat", "3", "--delay", "80", "5"], env=xenv, timeout=30)
            pump(0.5)
            after = control.queryValue().currentValue
            step(f"the mouse wheel over {name} leaves it at {before} (now {after})", after == before)
        # the keyboard belongs to the window again (the pointer may have moved it)
        for wid in wids[:1]:
            subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=xenv, timeout=30)
        pump(0.5)

        # 1. Main menu (F10) → Built-in Datasets → shapes-xor
        def menu_open():
            return focused["role"] in ("menu item", "check menu item") and focused["name"] not in (None, "Main menu")
        for attempt in range(3):
            key(display, "F10")
            if wait_for("the main menu", menu_open, 10):
                break
            key(display, "Escape")
        for _ in range(12):
            if focused["name"] == "Built-in Datasets":
                break
            key(display, "Down")
        key(display, "Return")
        for _ in range(12):
            if focused["name"] == "shapes-xor":
                break
            key(display, "Down")
        chose = focused["name"] == "shapes-xor"
        key(display, "Return")
        ok = chose and wait_for("shapes-xor to load",
                                lambda: find(app, lambda n: n.name == "shapes-xor (built-in)") is not None)
        step("F10 → Built-in Datasets → shapes-xor loads it", ok)
        if os.environ.get("FW_WALK_VERBOSE"):
            xenv = dict(os.environ, DISPLAY=display)
            f = subprocess.run(["xdotool", "getwindowfocus"], env=xenv, capture_output=True, text=True).stdout.strip()
            log(f"X focus: {f}, app windows: {wids}")

        # 2. the keyboard still works after the menu: train (Ctrl+Return)
        pump(0.5)
        key(display, "ctrl+Return")
        ok = wait_for("training to finish", lambda: "finished" in status_text(app), app=app)
        step("Ctrl+Return trains after choosing from the menu", ok)

        # 3. compare (Ctrl+M)
        key(display, "ctrl+m")
        ok = wait_for("the comparison", lambda: status_text(app).startswith("Comparison:"), 2 * TIMEOUT)
        step("Ctrl+M compares and names the winner", ok)

        # 4. Tab to the sample grid, open a sample with Return
        in_grid = False
        for presses in range(80):
            key(display, "Tab")
            if (focused["name"] or "").startswith("Sample "):
                in_grid = True
                break
        step(f"Tab reaches the sample grid ({presses + 1} presses)", in_grid)
        if in_grid:
            key(display, "Right")
            second = focused["name"] or ""
            step("arrow keys move inside the grid", second.startswith("Sample 2:"))
            key(display, "Return")
            ok = wait_for("the sample to open",
                          lambda: find(app, lambda n: n.getRole() == pyatspi.ROLE_LABEL and
                                       (n.name or "").startswith("row 2 ")) is not None, 20)
            step("Return opens the sample in the inspector", ok)
            key(display, "Tab")
            step("one Tab leaves the 120 cells", not (focused["name"] or "").startswith("Sample "))
    finally:
        session.close()
    return 0 if steps and all(ok for _, ok in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
