"""Our own codes: RMA numbers (with a Luhn check digit) and order numbers."""

from __future__ import annotations

import re

from app.domain.enums import Brand
from app.scanning.checksums import luhn

RMA_RE = re.compile(r"^RMA-(?P<year>\d{4})-(?P<seq>\d{6})-(?P<check>\d)$")
ORDER_PREFIX = {Brand.KISSPROM: "KP", Brand.STACEES: "ST"}
ORDER_RE = re.compile(r"^(?P<prefix>KP|ST)-(?P<seq>\d{5,8})$")


def rma_number(year: int, seq: int) -> str:
    """`RMA-2026-000123-4`: the last digit is a Luhn check over year and sequence."""
    body = f"{year:04d}{seq:06d}"
    return f"RMA-{year:04d}-{seq:06d}-{luhn(body)}"


def rma_check_ok(number: str) -> bool:
    m = RMA_RE.match(number)
    if not m:
        return False
    return luhn(m["year"] + m["seq"]) == int(m["check"])


def order_number(brand: Brand, seq: int) -> str:
    return f"{ORDER_PREFIX[brand]}-{seq}"


PLATE_RE = re.compile(r"^IT-(?P<rma>\d{8})(?P<unit>\d{2})-(?P<check>\d)$")


def item_plate(rma_id: int, unit_no: int) -> str:
    """The item's licence plate, `IT-0000004201-7`: RMA row id, unit number, Luhn digit."""
    body = f"{rma_id:08d}{unit_no:02d}"
    return f"IT-{body}-{luhn(body)}"


def plate_check_ok(plate: str) -> bool:
    return plate_ids(plate) is not None


def _sequence_code(prefix: str, seq: int) -> str:
    body = f"{seq:06d}"
    return f"{prefix}-{body}-{luhn(body)}"


def _sequence_ok(pattern: re.Pattern[str], code: str) -> bool:
    m = pattern.match(code)
    return bool(m) and luhn(m["seq"]) == int(m["check"])  # type: ignore[index]


TOTE_RE = re.compile(r"^TO-(?P<seq>\d{6})-(?P<check>\d)$")
LOT_RE = re.compile(r"^LOT-(?P<seq>\d{6})-(?P<check>\d)$")


def tote_code(seq: int) -> str:
    """A tote's licence plate, `TO-000123-4`: sequence and a Luhn digit."""
    return _sequence_code("TO", seq)


def tote_check_ok(code: str) -> bool:
    return _sequence_ok(TOTE_RE, code)


def lot_code(seq: int) -> str:
    """An outbound lot's (pallet's) code, `LOT-000012-3`: sequence and a Luhn digit."""
    return _sequence_code("LOT", seq)


def lot_check_ok(code: str) -> bool:
    return _sequence_ok(LOT_RE, code)


def plate_ids(plate: str) -> tuple[int, int] | None:
    """(RMA row id, unit number) of a well-formed item plate, else None."""
    m = PLATE_RE.match(plate)
    if not m or luhn(m["rma"] + m["unit"]) != int(m["check"]):
        return None
    return int(m["rma"]), int(m["unit"])
