"""Printed output read back as a person's scanner and eyes would: a PDF rendered by
poppler at the printer's resolution and ZPL rendered by zplkit, decoded with zxing-cpp;
a PDF's words through pdftotext."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path

import zplkit
import zxingcpp
from PIL import Image


def decode_pdf(pdf: bytes, dpi: int, tmp: Path) -> list[str]:
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(path),
                    str(path.with_suffix(""))], check=True)
    image = Image.open(path.with_suffix(".png"))
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def decode_zpl(zpl: bytes, dpi: int, width: int, height: int) -> list[str]:
    doc = zplkit.render(zpl, zplkit.Options(dpi=dpi, width=width, height=height))
    image = Image.open(io.BytesIO(doc.labels[0].png()))
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def pdf_words(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
