"""The label kinds: item licence plate (4x6 in and a 2.25x1.25 in tag), exchange pick
ticket, return-to-customer slip. Designed in 203-dpi dots and scaled for 300 dpi, with
barcode modules chosen per resolution so bars stay whole dots (Code128 about 14 mil,
DataMatrix about 24 mil, above the 20 mil the bench camera needs). A DataMatrix of our
codes is 16x16 modules square (ZPL) or 8x32 rectangular (zxing-cpp's PDF symbol): each
layout leaves 32 x 16 modules of room for it."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import BadInput
from app.printing.layout import Box, Code128, DataMatrix, Layout, Text, code128_width

KINDS = ("item", "tag", "exchange", "return", "hold")
MODULES = {203: (3, 5), 300: (4, 7)}  # dpi: (Code128 narrow bar, DataMatrix module)

# Where the dress goes, by disposition: the bins on the floor (configurable later).
BINS = {
    "restock": "RESTOCK", "prep_and_restock": "PREP / STEAM", "refurbish": "REFURBISH",
    "liquidate": "LIQUIDATE", "return_to_customer": "RETURN OUT", "hold": "HOLD SHELF",
}


@dataclass(frozen=True)
class LabelData:
    plate: str
    rma_number: str
    order_number: str
    customer: str
    sku: str
    style: str
    colour: str
    size: str
    grade: str | None
    disposition: str | None
    resolution: str | None
    reason: str
    exchange_size: str | None
    exchange_sku: str | None
    ship_by: str | None
    printed_on: str
    approval_id: int | None = None  # the request a unit on the hold shelf waits for
    unit_no: int | None = None
    bin_override: str | None = None  # e.g. QUARANTINE for a hold a supervisor closed
    place: str | None = None  # the bin's place on the floor, from the bin map (R-A-03)

    @property
    def bin(self) -> str:
        return self.bin_override or BINS.get(self.disposition or "", "TO INSPECT")


def build(kind: str, d: LabelData, dpi: int = 203) -> Layout:
    if dpi not in MODULES:
        raise BadInput(f"Labels print at 203 or 300 dpi, not {dpi}.")
    builders = {"item": _item, "tag": _tag, "exchange": _exchange, "return": _return,
                "hold": _hold}
    if kind not in builders:
        raise BadInput(f"Label kind {kind!r}: choose {', '.join(KINDS)}.")
    return builders[kind](d, dpi)


def _fit_height(text: str, largest: int, width: int) -> int:
    """The largest text height (dots, cap height) at which `text` in bold fits `width`;
    the renderer sets the font size at height / 0.72."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    per_dot = stringWidth(text, "Helvetica-Bold", 1.0) / 0.72  # width per dot of height
    return max(24, min(largest, int(width / per_dot))) if per_dot else largest


class _Pen:
    """Places elements in 203-dpi design units, scaled to the target resolution."""

    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.f = dpi / 203
        self.bar, self.module = MODULES[dpi]
        self.elements: list[object] = []

    def s(self, v: float) -> int:
        return round(v * self.f)

    def text(self, x: float, y: float, h: float, text: str, bold: bool = False) -> None:
        self.elements.append(Text(self.s(x), self.s(y), self.s(h), text, bold))

    def box(self, x: float, y: float, w: float, h: float, t: float = 3) -> None:
        self.elements.append(Box(self.s(x), self.s(y), self.s(w), self.s(h), max(1, self.s(t))))

    def code128(self, x: float, y: float, h: float, data: str, width_limit: float) -> None:
        bar = self.bar
        while bar > 1 and code128_width(data, bar) > self.s(width_limit):
            bar -= 1  # a long code gets thinner bars, never fractional ones
        self.elements.append(Code128(self.s(x), self.s(y), bar, self.s(h), data))

    def datamatrix(self, x: float, y: float, data: str) -> None:
        self.elements.append(DataMatrix(self.s(x), self.s(y), self.module, data))

    def layout(self, w: float, h: float) -> Layout:
        return Layout(w, h, self.dpi, tuple(self.elements))  # type: ignore[arg-type]


def _item(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    p.text(30, 30, 34, "RETURNED ITEM", bold=True)
    p.text(30, 80, 26, d.rma_number)
    p.datamatrix(600, 24, d.plate)
    p.box(20, 200, 772, 190, 6)
    # The place in the biggest type that fits the box ("R-A-03"), what it is above it;
    # without a place, the disposition's word ("RESTOCK", "QUARANTINE" smaller), never
    # clipped.
    big = d.place or d.bin
    p.text(40, 222, 30, f"BIN · {d.bin}" if d.place else "BIN", bold=True)
    p.text(40, 270, _fit_height(big, 96, 730), big, bold=True)
    rows = [("SKU", d.sku), ("Style", d.style), ("Colour", d.colour), ("Size", f"US {d.size}"),
            ("Grade", d.grade or "not inspected"),
            ("Goes to", (d.bin_override or d.disposition or "inspection").replace("_", " ")
             .lower()),
            ("Outcome", (d.resolution or "pending").replace("_", " "))]
    y = 420
    for label, value in rows:
        p.text(30, y, 26, label, bold=True)
        p.text(200, y, 30, value)
        y += 58
    p.code128(30, 880, 180, d.plate, 750)
    p.text(30, 1080, 30, d.plate, bold=True)
    p.text(30, 1140, 22, f"Order {d.order_number} · printed {d.printed_on}")
    return p.layout(4, 6)


def _tag(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    top = f"{d.place} {d.bin}" if d.place else d.bin
    p.text(12, 10, _fit_height(top, 30, 430), top, bold=True)
    p.datamatrix(12, 60, d.plate)
    p.text(200, 62, 16, d.sku[:20])
    p.text(200, 92, 18, f"US {d.size} · grade {d.grade or '-'}")
    p.text(12, 150, 22, d.plate, bold=True)
    p.text(12, 195, 18, d.rma_number)
    return p.layout(2.25, 1.25)


def _exchange(d: LabelData, dpi: int) -> Layout:
    if not d.exchange_size or not d.exchange_sku:
        raise BadInput(f"{d.rma_number}: this item has no exchange to pick.")
    p = _Pen(dpi)
    p.text(30, 30, 40, "EXCHANGE PICK TICKET", bold=True)
    p.text(30, 100, 28, f"Ship by {d.ship_by or 'today'}", bold=True)
    p.box(20, 160, 772, 300, 6)
    p.text(40, 185, 28, "PICK", bold=True)
    p.text(40, 235, 44, d.exchange_sku, bold=True)
    p.text(40, 310, 30, f"{d.style}, {d.colour}")
    p.text(40, 370, 60, f"SIZE US {d.exchange_size}", bold=True)
    p.code128(30, 500, 170, d.exchange_sku, 750)
    p.text(30, 700, 26, f"For {d.customer}, order {d.order_number}")
    p.text(30, 750, 26, f"Returned: {d.sku} (US {d.size})")
    p.datamatrix(30, 820, d.rma_number)
    p.text(260, 840, 30, d.rma_number, bold=True)
    p.text(30, 1140, 22, f"printed {d.printed_on}")
    return p.layout(4, 6)


def _return(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    p.text(30, 30, 40, "RETURN TO CUSTOMER", bold=True)
    p.text(30, 110, 32, d.customer, bold=True)
    p.text(30, 165, 26, f"Order {d.order_number} · {d.rma_number}")
    p.box(20, 230, 772, 330, 4)
    p.text(40, 255, 26, "Why it comes back", bold=True)
    p.text(40, 305, 26, f"{d.style}, {d.colour}, US {d.size}")
    p.text(40, 355, 26, f"Inspected grade {d.grade or '-'}; reason given: "
           f"{d.reason.replace('_', ' ')}")
    p.text(40, 405, 24, "Not eligible under the returns policy.")
    p.text(40, 450, 24, "Questions: contact customer service with the RMA.")
    p.code128(30, 620, 170, d.rma_number, 750)
    p.text(30, 820, 30, d.rma_number, bold=True)
    p.datamatrix(600, 880, d.plate)
    p.text(30, 1140, 22, f"printed {d.printed_on}")
    return p.layout(4, 6)


def _hold(d: LabelData, dpi: int) -> Layout:
    """The hold-shelf tag of a unit waiting for an answer: it says nothing about where the
    dress goes or what the customer gets, since that is not final; the final label
    replaces it once the request is answered."""
    p = _Pen(dpi)
    p.text(30, 30, 40, "AWAITING APPROVAL", bold=True)
    p.box(20, 100, 772, 210, 6)
    p.text(40, 120, 30, "REQUEST", bold=True)
    p.text(40, 170, 110, f"#{d.approval_id}" if d.approval_id else "#?", bold=True)
    p.text(30, 350, 34, d.rma_number, bold=True)
    p.text(30, 410, 30, f"Item {d.unit_no if d.unit_no is not None else '?'} · {d.sku}")
    p.text(30, 470, 26, f"{d.style}, {d.colour}, US {d.size}"[:48])
    p.text(30, 530, 26, "Keep on the HOLD shelf.", bold=True)
    p.text(30, 570, 26, "Do not restock, ship or refund.")
    p.datamatrix(600, 600, d.plate)
    p.code128(30, 760, 170, d.plate, 750)
    p.text(30, 960, 30, d.plate, bold=True)
    p.text(30, 1140, 22, f"Order {d.order_number} · printed {d.printed_on}")
    return p.layout(4, 6)
