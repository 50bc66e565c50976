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
    qa: bool = False  # set aside for a blind re-grade: the label shows no grade or outcome
    # Printed by a bench working offline: what it says is checked when the bench syncs.
    provisional: bool = False

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


def _per_dot(text: str, bold: bool) -> float:
    """Width of `text` per dot of cap height (the renderer sets the font size at
    height / 0.72)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width: float = stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", 1.0)
    return width / 0.72


def _fit_height(text: str, largest: int, width: int, bold: bool = True,
                smallest: int = 24) -> int:
    """The largest text height (dots, cap height), between `smallest` and `largest`, at
    which `text` fits `width` on one line (`smallest` when it fits at none)."""
    per_dot = _per_dot(text, bold)
    return max(smallest, min(largest, int(width / per_dot))) if per_dot else largest


def _wrap(text: str, height: int, width: float, bold: bool) -> list[str]:
    """Greedy word wrap at `height`; a word wider than the line (a SKU or an e-mail has
    no spaces) is broken between characters. Nothing is dropped."""
    limit = width / height

    def fits(t: str) -> bool:
        return _per_dot(t, bold) <= limit

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        while not fits(word):
            cut = max((i for i in range(1, len(word)) if fits(word[:i])), default=1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


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

    def fit(self, x: float, y: float, width: float, text: str, largest: int,
            smallest: int = 20, bold: bool = False, lines: int = 2) -> float:
        """Text that fits its box: the largest height that fits `width` on one line;
        below `smallest`, wrapped onto up to `lines` lines, shrinking to 14 dots if it
        must; past that it takes more lines. Never cut. Returns the design height used,
        so what follows flows below it."""
        h = _fit_height(text, largest, int(width), bold, smallest)
        if _per_dot(text, bold) * h <= width:
            self.text(x, y, h, text, bold)
            return h
        wrapped = _wrap(text, h, width, bold)
        while len(wrapped) > lines and h > 14:
            h -= 2
            wrapped = _wrap(text, h, width, bold)
        step = round(h * 1.3)
        for n, line in enumerate(wrapped):
            self.text(x, y + n * step, h, line, bold)
        return step * (len(wrapped) - 1) + h

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


def badge(name: str, role: str, code: str, dpi: int = 203) -> Layout:
    """A user's badge (the 2.25x1.25 in tag size): the name, the role and the badge code
    as Code128, which picks the name at sign-in."""
    if dpi not in MODULES:
        raise BadInput(f"Labels print at 203 or 300 dpi, not {dpi}.")
    p = _Pen(dpi)
    used = p.fit(14, 10, 428, name, 30, smallest=18, bold=True, lines=2)
    p.fit(14, 10 + used + 8, 428, role, 18, smallest=14, lines=1)
    p.code128(14, 120, 80, code, 428)
    p.text(14, 212, 20, code, bold=True)
    return p.layout(2.25, 1.25)


def _item(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    p.text(30, 30, 34, "RETURNED ITEM", bold=True)
    p.text(30, 80, 26, d.rma_number)
    if d.provisional:
        p.text(30, 130, 30, "PROVISIONAL · offline", bold=True)
    p.datamatrix(600, 24, d.plate)
    p.box(20, 200, 772, 190, 6)
    # The place in the biggest type that fits the box ("R-A-03"), what it is above it;
    # without a place, the disposition's word ("RESTOCK", "QUARANTINE" smaller), never
    # clipped.
    big = d.place or d.bin
    p.text(40, 222, 30, f"BIN · {d.bin}" if d.place else "BIN", bold=True)
    p.text(40, 270, _fit_height(big, 96, 730), big, bold=True)
    rows = [("SKU", d.sku), ("Style", d.style), ("Colour", d.colour), ("Size", f"US {d.size}")]
    rows += [("Grade", "blind re-grade"), ("Goes to", "QA rack, tote for QA"),
             ("Outcome", "after the re-grade")] if d.qa else [
        ("Grade", d.grade or "not inspected"),
        ("Goes to", (d.bin_override or d.disposition or "inspection").replace("_", " ")
         .lower()),
        ("Outcome", (d.resolution or "pending").replace("_", " "))]
    y = 420.0
    for label, value in rows:  # a long style name takes three lines, a SKU two
        p.text(30, y, 26, label, bold=True)
        y += max(p.fit(200, y, 580, value, 30, smallest=20,
                       lines=3 if label == "Style" else 2), 30) + 24
    p.code128(30, 880, 180, d.plate, 750)
    p.text(30, 1080, 30, d.plate, bold=True)
    p.text(30, 1140, 22, f"Order {d.order_number} · printed {d.printed_on}")
    return p.layout(4, 6)


def _tag(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    top = f"{d.place} {d.bin}" if d.place else d.bin
    p.fit(12, 10, 430, top, 30, smallest=16, bold=True, lines=1)
    p.datamatrix(12, 60, d.plate)
    used = p.fit(190, 60, 255, d.sku, 18, smallest=16, lines=2)
    p.fit(190, 60 + used + 8, 255,
          f"US {d.size} · " + ("QA re-grade" if d.qa else f"grade {d.grade or '-'}"), 18,
          smallest=14, lines=1)
    p.fit(12, 150, 430, d.plate, 22, smallest=16, bold=True, lines=1)
    p.fit(12, 195, 430, d.rma_number + (" · PROVISIONAL" if d.provisional else ""), 18,
          smallest=14, lines=1)
    return p.layout(2.25, 1.25)


def _exchange(d: LabelData, dpi: int) -> Layout:
    if not d.exchange_size or not d.exchange_sku:
        raise BadInput(f"{d.rma_number}: this item has no exchange to pick.")
    p = _Pen(dpi)
    p.text(30, 30, 40, "EXCHANGE PICK TICKET", bold=True)
    p.text(30, 100, 28, f"Ship by {d.ship_by or 'today'}", bold=True)
    p.box(20, 160, 772, 300, 6)
    p.text(40, 185, 28, "PICK", bold=True)
    p.fit(40, 235, 730, d.exchange_sku, 44, smallest=30, bold=True, lines=1)
    p.fit(40, 300, 730, f"{d.style}, {d.colour}", 30, smallest=20)
    p.fit(40, 380, 730, f"SIZE US {d.exchange_size}", 60, smallest=40, bold=True, lines=1)
    p.code128(30, 500, 170, d.exchange_sku, 750)
    used = p.fit(30, 700, 750, f"For {d.customer}, order {d.order_number}", 26)
    p.fit(30, 700 + max(used, 26) + 20, 750, f"Returned: {d.sku} (US {d.size})", 26,
          lines=1)
    p.datamatrix(30, 820, d.rma_number)
    p.text(260, 840, 30, d.rma_number, bold=True)
    p.text(30, 1140, 22, f"printed {d.printed_on}" + (" · PROVISIONAL (offline): ship after "
                                                      "the bench syncs" if d.provisional
                                                      else ""))
    return p.layout(4, 6)


def _return(d: LabelData, dpi: int) -> Layout:
    p = _Pen(dpi)
    p.text(30, 30, 40, "RETURN TO CUSTOMER", bold=True)
    y = 100 + p.fit(30, 100, 750, d.customer, 32, smallest=20, bold=True, lines=3) + 14
    p.fit(30, max(y, 175), 750, f"Order {d.order_number} · {d.rma_number}", 26, lines=1)
    p.box(20, 230, 772, 330, 4)
    p.text(40, 255, 26, "Why it comes back", bold=True)
    y = 295 + max(p.fit(40, 295, 730, f"{d.style}, {d.colour}, US {d.size}", 26,
                        lines=3), 26) + 18
    y += p.fit(40, y, 730, f"Inspected grade {d.grade or '-'}; reason given: "
               f"{d.reason.replace('_', ' ')}", 26, lines=1) + 24
    p.text(40, y, 24, "Not eligible under the returns policy.")
    p.text(40, y + 45, 24, "Questions: contact customer service with the RMA.")
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
    p.fit(30, 410, 750, f"Item {d.unit_no if d.unit_no is not None else '?'} · {d.sku}", 30,
          lines=1)
    p.fit(30, 455, 750, f"{d.style}, {d.colour}, US {d.size}", 26, smallest=18)
    p.text(30, 530, 26, "Keep on the HOLD shelf.", bold=True)
    p.text(30, 570, 26, "Do not restock, ship or refund.")
    p.datamatrix(600, 600, d.plate)
    p.code128(30, 760, 170, d.plate, 750)
    p.text(30, 960, 30, d.plate, bold=True)
    p.text(30, 1140, 22, f"Order {d.order_number} · printed {d.printed_on}")
    return p.layout(4, 6)


@dataclass(frozen=True)
class ManifestLine:
    plate: str
    sku: str
    size: str
    grade: str


@dataclass(frozen=True)
class ToteManifestData:
    code: str
    disposition: str
    brand: str
    lines: tuple[ManifestLine, ...]
    goes_to: str  # the locations that take it, e.g. "R-A-01 or R-B-01"
    closed_on: str
    closed_by: str


def _check_dpi(dpi: int) -> None:
    if dpi not in MODULES:
        raise BadInput(f"Labels print at 203 or 300 dpi, not {dpi}.")


def tote_plate(code: str, dpi: int = 203) -> Layout:
    """A tote's licence plate (4x6 in, stuck on the tote's end): the code big enough to
    read across the aisle, as Code128 for the scanner and DataMatrix for the camera."""
    _check_dpi(dpi)
    p = _Pen(dpi)
    p.text(30, 30, 40, "TOTE", bold=True)
    p.datamatrix(600, 24, code)
    p.box(20, 200, 772, 260, 6)
    p.text(40, 250, _fit_height(code, 150, 730), code, bold=True)
    p.code128(30, 540, 260, code, 750)
    p.text(30, 830, 30, code, bold=True)
    p.fit(30, 900, 750, "Scan at the bench after Enter; at put-away, scan it, then the "
          "shelf.", 26, smallest=20, lines=2)
    p.text(30, 1140, 22, "ReturnBench tote plate")
    return p.layout(4, 6)


def tote_manifest(m: ToteManifestData, dpi: int = 203) -> Layout:
    """A closed tote's manifest (4x6 in, on top of the dresses): what it holds, where it
    goes, one line per dress (plate, SKU, size, grade); the tote's code as Code128."""
    _check_dpi(dpi)
    p = _Pen(dpi)
    p.text(30, 30, 34, "TOTE MANIFEST", bold=True)
    p.text(30, 80, 40, m.code, bold=True)
    p.datamatrix(600, 24, m.code)
    p.box(20, 150, 772, 150, 5)
    head = f"{m.disposition.replace('_', ' ').upper()} · {m.brand}"
    p.fit(40, 170, 730, head, 44, smallest=24, bold=True, lines=1)
    p.fit(40, 240, 730, f"{len(m.lines)} dress{'es' if len(m.lines) != 1 else ''} · to "
          f"{m.goes_to}", 28, smallest=18, lines=1)
    y = 330
    p.text(30, y, 22, "Plate", bold=True)
    p.text(330, y, 22, "SKU", bold=True)
    p.text(640, y, 22, "Size", bold=True)
    p.text(730, y, 22, "Gr.", bold=True)
    # 16 lines at full size; a bigger tote in smaller type, 28 lines at most, then a
    # count of the rest (`main.py where` lists every one).
    step, h = (34, 22) if len(m.lines) <= 16 else (20, 14)
    shown = m.lines if len(m.lines) <= 28 else m.lines[:27]
    for n, line in enumerate(shown):
        row = y + 40 + n * step
        p.text(30, row, h, line.plate)
        p.fit(330, row, 300, line.sku, h, smallest=min(14, h), lines=1)
        p.text(640, row, h, line.size)
        p.text(730, row, h, line.grade)
    if len(shown) < len(m.lines):
        p.text(30, y + 40 + len(shown) * step, h,
               f"... and {len(m.lines) - len(shown)} more: main.py where {m.code}", True)
    p.code128(30, 950, 130, m.code, 750)
    p.text(30, 1100, 22, f"closed {m.closed_on} by {m.closed_by}")
    p.text(30, 1140, 22, "ReturnBench tote manifest")
    return p.layout(4, 6)
