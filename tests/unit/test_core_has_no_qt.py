"""The core (app, models) must import without Qt: import every module with Qt blocked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6", "ui"):
            raise ImportError(f"core imported {name}")
sys.meta_path.insert(0, Block())
count = 0
for pkg in ("app", "models"):
    mod = importlib.import_module(pkg)
    for info in pkgutil.walk_packages(mod.__path__, pkg + "."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
        count += 1
print(count)
"""


def test_every_core_module_imports_with_qt_blocked() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 15


def test_the_blocker_really_blocks() -> None:
    script = SCRIPT.replace('for pkg in ("app", "models")', 'import ui.banner\nfor pkg in ()')
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode != 0 and "imported" in out.stderr
