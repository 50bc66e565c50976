"""The photo quality gate: focus (variance of the Laplacian) and exposure, checked before
a photo is kept so a claim is not decided on a blurred or black picture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # OpenCV and numpy load with the first photo checked, not with the app
    import numpy as np

MIN_FOCUS = 60.0  # variance of the Laplacian on a 1024-px-wide grey copy
MIN_BRIGHTNESS = 45.0
MAX_BRIGHTNESS = 215.0
MAX_CLIPPED = 0.25  # share of pixels at pure white (or pure black)


@dataclass(frozen=True)
class Quality:
    focus: float
    brightness: float
    clipped_white: float
    clipped_black: float
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def assess(image: np.ndarray[Any, Any]) -> Quality:
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    if w > 1024:  # judge focus at one scale, whatever the camera's resolution
        grey = cv2.resize(grey, (1024, round(h * 1024 / w)), interpolation=cv2.INTER_AREA)
    focus = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    brightness = float(grey.mean())
    white = float((grey >= 250).mean())
    black = float((grey <= 5).mean())
    problems = []
    if focus < MIN_FOCUS:
        problems.append(f"blurred (sharpness {focus:.0f}, needs {MIN_FOCUS:.0f})")
    if brightness < MIN_BRIGHTNESS or black > MAX_CLIPPED:
        problems.append(f"too dark (brightness {brightness:.0f} of 255)")
    if brightness > MAX_BRIGHTNESS or white > MAX_CLIPPED:
        problems.append(f"overexposed ({white:.0%} of the picture is pure white)")
    return Quality(focus, brightness, white, black, tuple(problems))
