"""fwsession.py — what the two AT-SPI tests share: a private Xvfb (so they
never depend on, or disturb, another display), the workbench started on it
with small models preset through GSettings, and finding it on the
accessibility bus."""
import os
import shutil
import subprocess
import tempfile
import time

import pyatspi

# tiny models: these tests are about the window, not about learning
PRESET = "{'epochs': '2', 'hidden': '32', 'head-hidden': '16'}"
GROUP = "org/fusionworkbench/FusionWorkbench"


def start_display(size="1600x1000x24"):
    """An Xvfb on a free display number; returns (process, ":N")."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(w,), stderr=subprocess.DEVNULL)
    os.close(w)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    os.close(r)
    return xvfb, ":" + number.decode().strip()


class Session:
    """Xvfb (+ optional window manager) and the workbench, torn down on exit."""

    def __init__(self, binary, spec, window_manager=False):
        self.home = tempfile.mkdtemp(prefix="fw-atspi-")
        self.xvfb, self.display = start_display()
        self.env = dict(os.environ)
        for k in ("NO_AT_BRIDGE", "GTK_A11Y"):
            self.env.pop(k, None)
        settings = os.path.join(self.home, "config", "glib-2.0", "settings")
        os.makedirs(settings)
        with open(os.path.join(settings, "keyfile"), "w") as f:
            f.write(f"[{GROUP}]\nlast-options={PRESET}\n")
        self.env.update(DISPLAY=self.display, LANGUAGE="C", GSETTINGS_BACKEND="keyfile",
                        XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                        XDG_DATA_HOME=os.path.join(self.home, "data"))
        self.wm = None
        if window_manager:
            self.wm = subprocess.Popen(["openbox", "--sm-disable"], env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        self.proc = subprocess.Popen([binary, "--data", spec], env=self.env)

    def find_app(self, pump, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                app = desktop.getChildAtIndex(i)
                try:
                    if app is not None and app.get_process_id() == self.proc.pid:
                        return app
                except Exception:
                    pass
            pump(0.2)
        return None

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for p in (self.wm, self.xvfb):
            if p is not None:
                p.terminate()
                p.wait()
        shutil.rmtree(self.home, ignore_errors=True)
