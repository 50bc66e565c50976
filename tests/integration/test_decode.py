"""Decoding barcodes in images: labels, camera photos, corrupt and truncated files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.errors import BadInput
from app.scanning.images import CAMERA_FORMATS, decode, load_image
from tests.helpers.labels import label, photo

ROOT = Path(__file__).resolve().parents[2]
RMA, UPS = "RMA-2026-000060-7", "1Z5R89390357567127"


@pytest.fixture
def label_png(tmp_path: Path) -> Path:
    path = tmp_path / "label.png"
    cv2.imwrite(str(path), label(RMA, UPS))
    return path


def test_rendered_label_decodes_both_codes_and_classifies_them(label_png: Path) -> None:
    found = {d.text: d for d in decode(load_image(label_png))}
    assert set(found) == {RMA, UPS}
    assert found[RMA].format == "DataMatrix" and found[UPS].format == "Code128"
    assert found[RMA].scan.valid[0].kind == "rma"
    assert found[UPS].scan.valid[0].kind == "ups"
    assert len(found[RMA].position) == 4


def test_camera_photos_of_our_label_read_the_datamatrix() -> None:
    page = label(RMA, UPS)
    reads = sum(any(d.text == RMA for d in decode(photo(page, seed), CAMERA_FORMATS,
                                                   camera=True)) for seed in range(10))
    assert reads >= 9


def test_decode_cli_reports_every_image(label_png: Path, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200), 255, np.uint8))
    out = subprocess.run([sys.executable, "main.py", "decode", str(label_png), str(blank)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [r["image"] for r in report] == [str(label_png), str(blank)]
    texts = {b["text"]: b for b in report[0]["barcodes"]}
    assert texts[UPS]["candidates"] == [{"kind": "ups", "value": UPS, "check_digit_ok": True}]
    assert report[1]["barcodes"] == []
    none = subprocess.run([sys.executable, "main.py", "decode", str(blank)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert none.returncode == 3 and none.stderr.strip() == "error: no barcode found"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_images_are_refused_clearly(label_png: Path, tmp_path: Path,
                                           damage: str) -> None:
    bad = tmp_path / f"{damage}.png"
    data = label_png.read_bytes()
    bad.write_bytes({"truncated": data[:200], "garbage": b"not an image at all" * 10,
                     "empty": b""}[damage])
    with pytest.raises(BadInput, match="not an image, or the file is damaged"):
        load_image(bad)
    out = subprocess.run([sys.executable, "main.py", "decode", str(bad), str(label_png)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    report = json.loads(out.stdout)
    assert "damaged" in report[0]["error"] and report[1]["barcodes"]
