"""Label text fits its box at both label sizes (issue 15): it shrinks, then wraps, and is
never cut. Each kind is built with the longest values the database holds (120-character
style and customer names, a 40-character SKU, a 30-character colour), checked for
geometry (inside the label, no text over a barcode or over other text), rendered to PDF
and read back with pdftotext (every word there), and its barcodes decoded with zxing-cpp
from the PDF and from the ZPL."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import zplkit
import zxingcpp
from PIL import Image

from app.printing.labels import LabelData, _per_dot, build
from app.printing.layout import Code128, DataMatrix, Layout, Text, code128_width
from app.printing.render import render_pdf, render_zpl
from app.scanning.codes import item_plate

STYLE = ("Kiss Prom Evangeline Off-the-Shoulder Sequinned Mermaid Gown with Detachable "
         "Overskirt and Beaded Illusion Back Panel")[:120]
CUSTOMER = ("Maria-Magdalena Alexandrovna Featherstonehaugh-Cholmondeley de la Fuente "
            "y Villanueva-Rodríguez of Ballycastle Heights")[:120]
LONG = LabelData(
    plate=item_plate(9_876_543, 3), rma_number="RMA-KP-0123456", order_number="KP-07001",
    customer=CUSTOMER, sku="KP-EVGLN-OFFSHOULDER-MRMD-CHAMPAGNE-0012"[:40], style=STYLE,
    colour="Champagne Rose Gold Iridescent", size="12", grade="B",
    disposition="prep_and_restock", resolution="alteration_credit",
    reason="quality_defect", exchange_size="14",
    exchange_sku="KP-EVGLN-OFFSHOULDER-MRMD-CHAMPAGNE-0014"[:40], ship_by="2026-12-01",
    printed_on="2026-11-29 14:05", approval_id=123456, unit_no=3, bin_override=None,
    place="PREP-STEAM-B-12")
# What our labels carry (a scanner set up for the bench reads only these).
OURS = zxingcpp.barcode_formats_from_str("Code128,DataMatrix")
KINDS = ("item", "tag", "exchange", "return", "hold")


def _text_box(el: Text) -> tuple[float, float, float, float]:
    return (el.x, el.y, el.x + _per_dot(el.text, el.bold) * el.height, el.y + el.height)


def _code_box(el: Code128 | DataMatrix) -> tuple[float, float, float, float]:
    if isinstance(el, Code128):
        return (el.x, el.y, el.x + code128_width(el.data, el.module), el.y + el.height)
    # The room a layout leaves for either symbol shape: 32 x 16 modules (labels.py).
    return (el.x, el.y, el.x + 32 * el.module, el.y + 16 * el.module)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _words(layout: Layout) -> str:
    return " ".join(el.text for el in layout.elements if isinstance(el, Text))


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("kind", KINDS)
def test_long_text_fits_inside_the_label_and_is_never_cut(kind: str, dpi: int) -> None:
    layout = build(kind, LONG, dpi)
    texts = [el for el in layout.elements if isinstance(el, Text)]
    codes = [el for el in layout.elements if isinstance(el, Code128 | DataMatrix)]
    for el in texts:
        x0, y0, x1, y1 = _text_box(el)
        assert x0 >= 0 and y0 >= 0, el
        assert x1 <= layout.width_dots and y1 <= layout.height_dots, (el, layout.width_dots)
        assert el.height >= round(14 * dpi / 203), el  # small, but readable
        for code in codes:
            assert not _overlap(_text_box(el), _code_box(code)), (el, code)
    for n, a in enumerate(texts):
        for b in texts[n + 1:]:
            assert not _overlap(_text_box(a), _text_box(b)), (a, b)
    printed = _words(layout).replace(" ", "")
    wanted: list[str] = {"item": [STYLE, LONG.sku, LONG.colour, LONG.place or ""],
              "tag": [LONG.sku, LONG.plate, LONG.rma_number],
              "exchange": [STYLE, CUSTOMER, LONG.exchange_sku or "", LONG.colour],
              "return": [STYLE, CUSTOMER, LONG.colour],
              "hold": [STYLE, LONG.sku, LONG.colour]}[kind]
    for value in wanted:  # every character is on the label, wrapped or not
        assert value.replace(" ", "") in printed, value


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("kind", KINDS)
def test_long_labels_render_and_decode_back(kind: str, dpi: int, tmp_path: Path) -> None:
    layout = build(kind, LONG, dpi)
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(render_pdf(layout))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    for word in STYLE.split() if kind in ("item", "exchange", "return", "hold") else []:
        assert word in text, (word, text)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf),
                    str(tmp_path / "label")], check=True)
    expected = sorted(el.data for el in layout.elements
                      if isinstance(el, Code128 | DataMatrix))
    from_pdf = sorted(r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "label.png"),
                                                           formats=OURS))
    assert from_pdf == expected
    # zplkit's embedded font has no accented glyphs (a printer's font 0 has): the ZPL is
    # checked with the name spelled without them.
    ascii_layout = build(kind, replace(LONG, customer=CUSTOMER.replace("í", "i")), dpi)
    doc = zplkit.render(render_zpl(ascii_layout), zplkit.Options(
        dpi=dpi, width=layout.width_dots, height=layout.height_dots))
    from_zpl = sorted(r.text for r in zxingcpp.read_barcodes(
        Image.open(io.BytesIO(doc.labels[0].png())), formats=OURS))
    assert from_zpl == expected
