"""Annotation marks stand out on the photo: the palette colour farthest from the photo's
average, over a contrasting outline (issue 15: red marks vanished on red dresses)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from app.printing.marks import for_photo, pick


def test_a_red_dress_gets_a_mark_that_is_not_red(tmp_path: Path) -> None:
    burgundy = tmp_path / "burgundy.png"
    Image.new("RGB", (64, 64), (128, 0, 32)).save(burgundy)
    colour, outline = for_photo(burgundy)
    assert colour != "#ff1744" and outline in ("#000000", "#ffffff")


def test_each_colour_has_an_outline_that_contrasts() -> None:
    assert pick((250.0, 250.0, 250.0))[0] != "#ffea00"  # no yellow on white
    colour, outline = pick((10.0, 10.0, 10.0))  # a black dress
    assert outline == "#000000" and colour in ("#ffea00", "#76ff03", "#00e5ff")
