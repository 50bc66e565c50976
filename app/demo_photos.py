"""Pictures for the demo history's damage claims: a dress-like shape in the dress's colour
on a bench mat, with a drawn stain or tear, and the parcel's box with its label. Each is
drawn from the history's random stream, so the same seed gives the same pictures, and
each is different enough from every other that no two look like one photo reused (the
claims desk flags those). They pass the bench's own quality gate, as a real one must."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from app.domain.enums import PhotoSlot

WIDTH, HEIGHT = 960, 720

# BGR for the catalogue's colour names.
COLOURS = {
    "Red": (40, 30, 190), "Black": (40, 38, 36), "Navy": (90, 40, 25),
    "Emerald": (90, 140, 20), "Champagne": (160, 200, 225), "Dusty Blue": (190, 160, 120),
    "Lilac": (200, 160, 190), "Burgundy": (50, 25, 110), "Rose Gold": (140, 150, 210),
    "Sage": (130, 165, 140), "Ivory": (215, 235, 240), "Fuchsia": (150, 40, 210),
}


@dataclass(frozen=True)
class Mark:
    """Where the damage is drawn, in 0..1 of the picture (the claims desk circles it)."""

    x: float
    y: float
    r: float
    kind: str  # stain or tear


def _mat(rng: random.Random) -> np.ndarray[Any, Any]:
    """A bench mat: a soft gradient with woven texture (a sharp picture has detail)."""
    base = np.array([rng.randint(150, 190), rng.randint(150, 185), rng.randint(140, 175)],
                    dtype=np.float32)
    # Light falls from a different side in each picture (a difference-hash sees it),
    # with a few soft shadows; drawn small and scaled up, as soft light is.
    sw, sh = WIDTH // 8, HEIGHT // 8
    gx, gy = rng.uniform(-45, 45), rng.uniform(-45, 45)
    light: np.ndarray[Any, Any] = (np.linspace(-gy, gy, sh, dtype=np.float32)[:, None]
                                   + np.linspace(-gx, gx, sw, dtype=np.float32)[None, :])
    for _ in range(rng.randint(2, 4)):  # shadows and folds of the mat
        blob = np.zeros((sh, sw), dtype=np.float32)
        cv2.ellipse(blob, (rng.randint(0, sw), rng.randint(0, sh)),
                    (rng.randint(8, 32), rng.randint(8, 32)), rng.randint(0, 180), 0, 360,
                    rng.uniform(-40, 40), -1)
        light += blob
    soft: np.ndarray[Any, Any] = cv2.resize(cv2.GaussianBlur(light, (7, 7), 0),
                                            (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    np_rng = np.random.default_rng(rng.getrandbits(32))
    light = soft + np_rng.standard_normal((HEIGHT, WIDTH), dtype=np.float32) * 9
    img = base[None, None, :] + light[:, :, None]
    step = rng.randint(14, 26)
    img[::step, :, :] -= 14
    img[:, ::step, :] -= 14
    out: np.ndarray[Any, Any] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def _dress(img: np.ndarray[Any, Any], rng: random.Random, colour: tuple[int, int, int],
           close: bool) -> tuple[int, int, int, int]:
    """A gown's outline (bodice, waist, flared skirt), shaded, with a few folds; returns
    its bounding box."""
    scale = rng.uniform(1.25, 1.6) if close else rng.uniform(0.8, 1.0)
    cx = WIDTH // 2 + rng.randint(-200, 200)
    top = rng.randint(-200, -80) if close else rng.randint(30, 90)
    h = int(600 * scale)
    bodice_w, waist_w = int(rng.randint(120, 170) * scale), int(rng.randint(80, 110) * scale)
    hem_w = int(rng.randint(260, 420) * scale)
    waist_y = top + int(h * rng.uniform(0.3, 0.38))
    points = np.array([
        (cx - bodice_w // 2, top), (cx - bodice_w // 3, top - int(25 * scale)),
        (cx + bodice_w // 3, top - int(25 * scale)), (cx + bodice_w // 2, top),
        (cx + waist_w // 2, waist_y), (cx + hem_w // 2 + rng.randint(-30, 30), top + h),
        (cx - hem_w // 2 + rng.randint(-30, 30), top + h), (cx - waist_w // 2, waist_y),
    ], dtype=np.int32)
    cv2.fillPoly(img, [points], colour, lineType=cv2.LINE_AA)
    darker = tuple(max(0, c - 35) for c in colour)
    lighter = tuple(min(255, c + 30) for c in colour)
    for _ in range(rng.randint(4, 8)):  # skirt folds
        x = cx + rng.randint(-hem_w // 3, hem_w // 3)
        cv2.line(img, (cx + (x - cx) // 4, waist_y + 10), (x, top + h - 5),
                 darker if rng.random() < 0.5 else lighter, rng.randint(2, 6), cv2.LINE_AA)
    cv2.line(img, (cx - waist_w // 2, waist_y), (cx + waist_w // 2, waist_y), darker, 5,
             cv2.LINE_AA)
    return cx - hem_w // 2, top, cx + hem_w // 2, top + h


def _damage(img: np.ndarray[Any, Any], rng: random.Random, box: tuple[int, int, int, int],
            kind: str, close: bool) -> Mark:
    x0, y0, x1, y1 = box
    x = rng.randint(max(60, x0 + (x1 - x0) // 4), min(WIDTH - 60, x1 - (x1 - x0) // 4))
    y = rng.randint(max(80, y0 + (y1 - y0) // 2), min(HEIGHT - 60, y1 - 40))
    size = rng.randint(28, 48) if close else rng.randint(12, 22)
    if kind == "stain":
        for _ in range(rng.randint(3, 6)):  # a blotch of a few overlapping ellipses
            cv2.ellipse(img, (x + rng.randint(-size // 2, size // 2),
                              y + rng.randint(-size // 2, size // 2)),
                        (rng.randint(size // 2, size), rng.randint(size // 3, size)),
                        rng.randint(0, 180), 0, 360, (30, 60, 95), -1, cv2.LINE_AA)
    else:  # a tear: a jagged dark line with a lighter lining showing
        pts = [(x - size, y)]
        for i in range(1, 7):
            pts.append((x - size + i * size // 3, y + rng.randint(-size // 4, size // 4)))
        arr = np.array(pts, dtype=np.int32)
        cv2.polylines(img, [arr], False, (235, 235, 230), 7, cv2.LINE_AA)
        cv2.polylines(img, [arr], False, (20, 20, 20), 3, cv2.LINE_AA)
    return Mark(round(x / WIDTH, 3), round(y / HEIGHT, 3), round(size * 1.6 / WIDTH, 3), kind)


def _box(img: np.ndarray[Any, Any], rng: random.Random, rma_number: str) -> None:
    """The parcel: a crushed brown box and its shipping label with bars."""
    x0, y0 = rng.randint(20, 300), rng.randint(20, 200)
    x1, y1 = x0 + rng.randint(420, 640), y0 + rng.randint(320, 480)
    brown = (rng.randint(60, 80), rng.randint(110, 130), rng.randint(160, 180))
    corner = rng.randint(40, 110)  # the crushed corner
    cv2.fillPoly(img, [np.array([(x0, y0), (x1 - corner, y0), (x1, y0 + corner), (x1, y1),
                                 (x0, y1)], dtype=np.int32)], brown, cv2.LINE_AA)
    cv2.line(img, (x1 - corner, y0), (x1, y0 + corner), (30, 50, 80), 4, cv2.LINE_AA)
    lx, ly = x0 + rng.randint(40, 120), y0 + rng.randint(40, 100)
    cv2.rectangle(img, (lx, ly), (lx + 300, ly + 200), (245, 245, 245), -1)
    cv2.putText(img, rma_number, (lx + 12, ly + 40), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                (20, 20, 20), 2, cv2.LINE_AA)
    bx = lx + 14
    while bx < lx + 280:
        w = rng.choice((2, 2, 4, 6))
        cv2.rectangle(img, (bx, ly + 70), (bx + w - 1, ly + 170), (15, 15, 15), -1)
        bx += w + rng.choice((2, 4, 4))


def claim_photo(rng: random.Random, slot: PhotoSlot, colour: str, damage: str,
                rma_number: str) -> tuple[np.ndarray[Any, Any], Mark | None]:
    """One photo for a claim (BGR), and where its damage is drawn (None on the box)."""
    img = _mat(rng)
    if slot is PhotoSlot.BOX_AND_LABEL:
        _box(img, rng, rma_number)
        return img, None
    close = slot is PhotoSlot.DAMAGE_CLOSEUP
    box = _dress(img, rng, COLOURS.get(colour, (120, 120, 160)), close)
    mark = _damage(img, rng, box, damage, close)
    return img, mark
