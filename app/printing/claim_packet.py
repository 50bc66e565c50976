"""The carrier-claim packet: the shipment, the damage, the declared value and the photos,
with the claims desk's annotations drawn over them (the stored photos stay untouched)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from app.domain.money import format_money
from app.printing.marks import for_photo, words

if TYPE_CHECKING:
    from app.views import ClaimView, PhotoView


class AnnotatedPhoto(Flowable):  # type: ignore[misc]
    def __init__(self, photo: PhotoView, shapes: list[dict[str, Any]], width: float) -> None:
        super().__init__()
        self.photo = photo
        self.shapes = shapes
        self.width = width
        self.height = width * photo.height / max(1, photo.width)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.drawImage(ImageReader(str(self.photo.path)), 0, 0, self.width, self.height)
        colour, outline = for_photo(self.photo.path)
        # An outline in a contrasting shade under the photo's own mark colour.
        for shade, width in ((outline, 5.0), (colour, 2.5)):
            c.setStrokeColor(colors.HexColor(shade))
            c.setFillColor(colors.HexColor(shade))
            c.setLineWidth(width)
            self._marks()

    def _marks(self) -> None:
        c = self.canv
        for s in self.shapes:
            x1, y1 = s.get("x1", 0) * self.width, (1 - s.get("y1", 0)) * self.height
            x2, y2 = s.get("x2", 0) * self.width, (1 - s.get("y2", 0)) * self.height
            kind = s.get("type")
            if kind == "box":
                c.rect(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1), stroke=1, fill=0)
            elif kind == "circle":
                c.ellipse(x1, y1, x2, y2, stroke=1, fill=0)
            elif kind == "arrow":
                c.line(x1, y1, x2, y2)
                c.circle(x2, y2, 4, stroke=1, fill=1)
            if s.get("text"):
                c.setFont("Helvetica-Bold", 11)
                c.drawString(x1 + 3, y1 + 4, str(s["text"])[:60])


def render_claim_packet(claim: ClaimView, photos: list[tuple[PhotoView, list[dict[str, Any]]]],
                        printed_at: dt.datetime, declared: Decimal) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=0.7 * inch,
                            rightMargin=0.7 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.6 * inch, title=f"Carrier claim {claim.rma_number}")
    body = styles["BodyText"]
    story: list[Any] = [
        Paragraph(f"Carrier claim packet — {escape((claim.carrier or '').upper())} "
                  f"{escape(claim.tracking or '')}", styles["Title"]),
        Paragraph(f"Return {escape(claim.rma_number)}, item {claim.unit_no} "
                  f"({escape(claim.sku)}), customer {escape(claim.customer)}", body),
        Paragraph(f"Damage found at inspection: <b>{escape(claim.severity)}</b>, cause "
                  f"<b>{escape(claim.cause or 'unknown')}</b>; customer's reason: "
                  f"{escape(claim.reason.replace('_', ' '))}", body),
        Paragraph(f"Declared value: <b>{format_money(declared)}</b> (the price paid for the "
                  f"item, from its order line); to the customer: "
                  f"{escape(claim.resolution.value.replace('_', ' '))} "
                  f"{format_money(claim.amount)}", body),
        Paragraph(f"Prepared {printed_at:%Y-%m-%d %H:%M} UTC. {len(photos)} photo(s) follow; "
                  "the marks on each (in the colour named above it) were added by the "
                  "claims desk.", body),
        Spacer(1, 12),
    ]
    for photo, shapes in photos:
        marked = f"; marks in {words(*for_photo(photo.path))}" if shapes else ""
        story.append(Paragraph(f"{escape(photo.slot.value.replace('_', ' '))} — "
                               f"sha256 {photo.sha256[:16]}…{marked}", styles["Heading4"]))
        story.append(AnnotatedPhoto(photo, shapes, 6.5 * inch))
        story.append(Spacer(1, 10))
    doc.build(story)
    return buffer.getvalue()
