"""Test pictures for the quality gate and the photo store: a sharp dress-like scene and
its blurred, dark and overexposed versions, deterministic for a seed."""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
from PIL import Image


def scene(seed: int = 1, width: int = 1920, height: int = 1080) -> np.ndarray[Any, Any]:
    """Fabric-like texture with seams and beads: plenty of fine detail, mid exposure."""
    rng = np.random.default_rng(seed)
    base = np.full((height, width, 3), (70, 40, 150), np.uint8)  # a burgundy gown, BGR
    noise = rng.integers(-35, 35, (height, width, 1), dtype=np.int16)
    img: np.ndarray[Any, Any] = np.clip(base.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    for i in range(0, width, 40):  # pleats
        cv2.line(img, (i, 0), (i + 200, height), (30, 20, 90), 2)
    for _ in range(400):  # beads
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        cv2.circle(img, (x, y), 3, (230, 230, 230), -1)
    cv2.putText(img, f"seam {seed}", (100, 200), cv2.FONT_HERSHEY_SIMPLEX, 3, (250, 250, 250), 5)
    return img


def blurred(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return cv2.GaussianBlur(img, (0, 0), 8)


def dark(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return (img.astype(np.float32) * 0.12).astype(np.uint8)


def overexposed(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = np.clip(img.astype(np.int16) + 190, 0, 255).astype(np.uint8)
    return out


def jpeg_with_gps(img: np.ndarray[Any, Any]) -> bytes:
    pil = Image.fromarray(img[:, :, ::-1])
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}  # GPS
    out = io.BytesIO()
    pil.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()
