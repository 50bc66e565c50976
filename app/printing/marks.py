"""Colours for annotation marks that stand out on the photo they are drawn on: a red line
vanishes on a red or burgundy dress, so each photo gets the palette colour farthest from
its own average colour, drawn over a contrasting outline."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PALETTE = ("#ff1744", "#00e5ff", "#ffea00", "#76ff03", "#d500f9")
NAMES = {"#ff1744": "red", "#00e5ff": "cyan", "#ffea00": "yellow", "#76ff03": "green",
         "#d500f9": "purple", "#000000": "black", "#ffffff": "white"}


def words(colour: str, outline: str) -> str:
    """The marks' colours as the packet says them: "yellow outlined in black"."""
    return f"{NAMES.get(colour, colour)} outlined in {NAMES.get(outline, outline)}"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def pick(mean: tuple[float, float, float]) -> tuple[str, str]:
    """(mark colour, outline colour) for a photo whose average colour is `mean` (RGB)."""
    def distance(c: str) -> float:
        r, g, b = _rgb(c)
        return (r - mean[0]) ** 2 + (g - mean[1]) ** 2 + (b - mean[2]) ** 2

    colour = max(PALETTE, key=distance)
    r, g, b = _rgb(colour)
    outline = "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
    return colour, outline


@lru_cache(maxsize=256)
def for_photo(path: Path) -> tuple[str, str]:
    """The mark and outline colours for a photo file (its average colour, read once)."""
    import numpy as np
    from PIL import Image

    try:
        with Image.open(path) as image:
            small = np.asarray(image.convert("RGB").resize((16, 16)), dtype=float)
    except OSError:
        return PALETTE[0], "#ffffff"
    r, g, b = small.reshape(-1, 3).mean(axis=0)
    return pick((float(r), float(g), float(b)))
