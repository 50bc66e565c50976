"""Synthetic labels and camera photos of them, for decode tests and benchmarks.

A label is rendered as our labels are printed (4x6 in at 203 dpi, whole-dot modules); a
"photo" puts it in a 1920x1080 frame at bench distance with perspective, blur, noise and
uneven light, deterministically from a seed."""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np
import zxingcpp

DPI = 203


def barcode(text: str, fmt: Any, module_dots: int) -> np.ndarray[Any, Any]:
    img = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, fmt), scale=module_dots)
    return np.array(img, dtype=np.uint8)


def label(rma: str, tracking: str) -> np.ndarray[Any, Any]:
    """A 4x6 in item label at 203 dpi: DataMatrix (5 dots = 25 mil modules) of the RMA and
    a Code128 of the tracking number (3-dot narrow bars)."""
    page = np.full((6 * DPI, 4 * DPI), 255, np.uint8)
    dm = barcode(rma, zxingcpp.BarcodeFormat.DataMatrix, 5)
    page[60:60 + dm.shape[0], 60:60 + dm.shape[1]] = dm
    cv2.putText(page, rma, (60, 60 + dm.shape[0] + 50), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 3)
    c128 = barcode(tracking, zxingcpp.BarcodeFormat.Code128, 2)
    c128 = cv2.resize(c128, (c128.shape[1], 160), interpolation=cv2.INTER_NEAREST)
    y = 6 * DPI - 60 - c128.shape[0]
    x = max(10, (4 * DPI - c128.shape[1]) // 2)
    page[y:y + c128.shape[0], x:x + min(c128.shape[1], 4 * DPI - 20)] = \
        c128[:, :min(c128.shape[1], 4 * DPI - 20)]
    return page


def photo(page: np.ndarray[Any, Any], seed: int, width: int = 1920,
          height: int = 1080) -> np.ndarray[Any, Any]:
    """The label photographed from above the bench: it fills about 70-85% of the frame's
    height, tilted and slightly skewed, a little out of focus, with sensor noise."""
    rng = random.Random(seed)
    h, w = page.shape
    scale = rng.uniform(0.70, 0.85) * height / h
    tw, th = w * scale, h * scale
    cx, cy = width / 2 + rng.uniform(-250, 250), height / 2 + rng.uniform(-40, 40)
    angle = np.deg2rad(rng.uniform(-12, 12))
    corners = np.array([[-tw / 2, -th / 2], [tw / 2, -th / 2], [tw / 2, th / 2],
                        [-tw / 2, th / 2]])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = corners @ rot.T + [cx, cy]
    dst += np.array([[rng.uniform(-15, 15), rng.uniform(-15, 15)] for _ in range(4)])
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    background = np.full((height, width), rng.randint(90, 140), np.uint8)
    frame = cv2.warpPerspective(page, m, (width, height), dst=background,
                                borderMode=cv2.BORDER_TRANSPARENT)
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.6, 1.4))
    light = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(0.95, 1.1), width)[None, :]
    noise = np.random.default_rng(seed).normal(0, rng.uniform(2, 6), frame.shape)
    out = np.clip(frame.astype(np.float32) * light + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
