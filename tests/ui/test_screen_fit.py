"""Every page usable at 1366x768 and at 1920x1080 (issue 15): in a real window under Xvfb,
every named control outside a page's scroll area is on the screen, and no page scrolls
sideways, for an inspector, claims staff and a manager on every place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.xwindow import xvfb
from tests.ui.test_e2e_xvfb import _need

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


@pytest.mark.parametrize("size", ["1366x768", "1920x1080"])
def test_every_place_fits_the_screen(size: str, tmp_path: Path) -> None:
    with xvfb(_need("Xvfb"), size) as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
               "RETURNBENCH_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "tests.helpers.screen_check"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        problems = json.loads(done.stdout.strip().splitlines()[-1])
        assert problems == [], "\n".join(problems)
