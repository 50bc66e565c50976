"""Every place fits the screen with nothing cut, at 1366x768 and 1920x1080 (issue 15, and
issue 29 item 9), in a real window.

The app's own window, theme and fit to the screen, on an X server of that size (Xvfb);
each demo user signs in, every place is visited, and the states a bench day shows are
brought about (a parcel, a miss, a search, the unexpected return form, an order with no
return, a parcel open on Inspect, a parcel waiting on Needs a look; a database with 60
days of history: requests waiting, claims, totes, re-grades). `tests/helpers/clip_probe.py`
measures every visible text against its box; any cut fails the test, naming the place,
the widget, its text and by how much."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.helpers.xwindow import xvfb

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


@pytest.fixture(params=["1366x768", "1920x1080"])
def display(request: pytest.FixtureRequest) -> Iterator[str]:
    found = shutil.which("Xvfb")
    if found is None:
        if IN_CI:
            pytest.fail("Xvfb is not installed (make test installs it as root)",
                        pytrace=False)
        pytest.skip("Xvfb is not installed")
    with xvfb(found, request.param) as number:
        yield number


def test_every_place_fits_the_screen_with_nothing_cut(display: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    made = subprocess.run([sys.executable, "main.py", "demo-data", "--orders", "300",
                           "--seed", "4", "--db", url], cwd=ROOT, capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stderr
    out = tmp_path / "cut.json"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(tmp_path / "data"),
           "CLIP_PROBE_SHOTS": str(tmp_path / "shots")}  # every state, to look at
    probe = subprocess.run([sys.executable, "-m", "tests.helpers.clip_probe", url, str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert "Traceback" not in probe.stderr, probe.stderr[-3000:]
    found = json.loads(out.read_text())
    shots = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert len(shots) >= 5 * 9, shots  # five people, nine places each, and the bench day
    assert found == [], "\n".join(
        f"{f['who']} on {f['state']}: {f['widget']} {f['text']!r}: {f['why']}"
        for f in found)
