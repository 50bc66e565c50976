"""The two renderers of a Layout: PDF (ReportLab, for the system print queue and files)
and ZPL II (Zebra-compatible thermal printers at 203 or 300 dpi)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from app.printing.layout import (
    Box,
    Code128,
    DataMatrix,
    Layout,
    Text,
    code128_modules,
    datamatrix_modules,
)

PT_PER_INCH = 72.0


def render_pdf(layout: Layout, title: str = "ReturnBench label") -> bytes:
    """One page the label's size; dots become points at 72/dpi, so whole dots stay whole
    on a printer of the same resolution."""
    return render_pdf_pages([layout], title)


def render_pdf_pages(layouts: Sequence[Layout], title: str = "ReturnBench labels") -> bytes:
    """A batch of labels, one page each (a batch of tote plates is one print job)."""
    from reportlab.pdfgen import canvas  # loaded on first print, not at start-up

    buffer = io.BytesIO()
    first = layouts[0]
    c = canvas.Canvas(buffer, pagesize=(first.width_in * PT_PER_INCH,
                                        first.height_in * PT_PER_INCH),
                      pageCompression=1, invariant=1)  # same label, same bytes
    c.setTitle(title)
    c.setAuthor("ReturnBench")
    for layout in layouts:
        c.setPageSize((layout.width_in * PT_PER_INCH, layout.height_in * PT_PER_INCH))
        _draw(c, layout)
        c.showPage()
    c.save()
    return buffer.getvalue()


def _draw(c: Any, layout: Layout) -> None:
    dot = PT_PER_INCH / layout.dpi
    page_h = layout.height_in * PT_PER_INCH
    for el in layout.elements:
        if isinstance(el, Text):
            size = el.height * dot / 0.72  # cap height ~72% of the font size
            c.setFont("Helvetica-Bold" if el.bold else "Helvetica", size)
            c.drawString(el.x * dot, page_h - (el.y + el.height) * dot, el.text)
        elif isinstance(el, Box):
            c.setLineWidth(el.thickness * dot)
            half = el.thickness * dot / 2
            c.rect(el.x * dot + half, page_h - (el.y + el.height) * dot + half,
                   el.width * dot - 2 * half, el.height * dot - 2 * half, stroke=1, fill=0)
        elif isinstance(el, Code128):
            x = el.x
            dark = True
            for run in code128_modules(el.data):
                width = run * el.module
                if dark:
                    c.rect(x * dot, page_h - (el.y + el.height) * dot, width * dot,
                           el.height * dot, stroke=0, fill=1)
                x += width
                dark = not dark
        elif isinstance(el, DataMatrix):
            grid = datamatrix_modules(el.data)
            m = el.module * dot
            for r, row in enumerate(grid):
                col = 0
                while col < len(row):  # each run of dark modules in a row: one rectangle
                    if not row[col]:
                        col += 1
                        continue
                    end = col
                    while end < len(row) and row[end]:
                        end += 1
                    c.rect((el.x + col * el.module) * dot,
                           page_h - (el.y + (r + 1) * el.module) * dot, m * (end - col), m,
                           stroke=0, fill=1)
                    col = end


def _zpl_text(text: str) -> str:
    # ^FH lets us escape the characters ZPL reserves (^ and ~) as hex.
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def render_zpl_pages(layouts: Sequence[Layout]) -> bytes:
    """A batch of labels in one ZPL job (one ^XA...^XZ format each)."""
    return b"".join(render_zpl(layout) for layout in layouts)


def render_zpl(layout: Layout) -> bytes:
    lines = ["^XA", "^CI28", f"^PW{layout.width_dots}", f"^LL{layout.height_dots}", "^LH0,0"]
    for el in layout.elements:
        if isinstance(el, Text):
            font = round(el.height / 0.72)
            lines.append(f"^FO{el.x},{el.y}^A0N,{font},{font}^FH^FD{_zpl_text(el.text)}^FS")
        elif isinstance(el, Box):
            lines.append(f"^FO{el.x},{el.y}^GB{el.width},{el.height},{el.thickness}^FS")
        elif isinstance(el, Code128):
            lines.append(f"^FO{el.x},{el.y}^BY{el.module},3,{el.height}"
                         f"^BCN,{el.height},N,N,N,A^FH^FD{_zpl_text(el.data)}^FS")
        elif isinstance(el, DataMatrix):
            # The printer picks the (square) symbol size; zxing-cpp may pick a rectangular
            # one for the PDF. Layouts leave room for either (see labels.py).
            lines.append(f"^FO{el.x},{el.y}^BXN,{el.module},200^FH^FD{_zpl_text(el.data)}^FS")
    lines.append("^XZ")
    return ("\n".join(lines) + "\n").encode("utf-8")
