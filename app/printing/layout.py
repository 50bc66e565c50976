"""One label layout, drawn by two renderers (PDF and ZPL). Everything is placed in printer
dots at the label's resolution, and every bar and module is a whole number of dots: a bar
that falls between dots prints fuzzy and a Code128 no longer scans back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and zxing-cpp load on first use: they cost start-up time
    import numpy as np


@dataclass(frozen=True)
class Text:
    x: int
    y: int
    height: int  # dots, cap height of the font
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int
    thickness: int = 3


@dataclass(frozen=True)
class Code128:
    x: int
    y: int
    module: int  # dots per narrow bar
    height: int
    data: str


@dataclass(frozen=True)
class DataMatrix:
    x: int
    y: int
    module: int  # dots per module; 5 dots at 203 dpi = 24.6 mil
    data: str


Element = Text | Box | Code128 | DataMatrix


@dataclass(frozen=True)
class Layout:
    width_in: float
    height_in: float
    dpi: int
    elements: tuple[Element, ...] = field(default_factory=tuple)

    @property
    def width_dots(self) -> int:
        return round(self.width_in * self.dpi)

    @property
    def height_dots(self) -> int:
        return round(self.height_in * self.dpi)


def code128_modules(data: str) -> list[int]:
    """Bar/space run lengths in modules, starting with a bar (zxing-cpp encodes)."""
    import numpy as np
    import zxingcpp

    image = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.Code128), scale=1,
        add_quiet_zones=False))
    row = image[0] < 128
    runs, current, length = [], bool(row[0]), 0
    for dark in row:
        if bool(dark) == current:
            length += 1
        else:
            runs.append(length)
            current, length = bool(dark), 1
    runs.append(length)
    return runs


def code128_width(data: str, module: int) -> int:
    return sum(code128_modules(data)) * module


def datamatrix_modules(data: str) -> np.ndarray[Any, Any]:
    """The symbol as a boolean grid, True for dark modules (without quiet zone)."""
    import numpy as np
    import zxingcpp

    image = np.array(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.DataMatrix), scale=1,
        add_quiet_zones=False))
    return image < 128
