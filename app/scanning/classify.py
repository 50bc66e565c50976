"""What a scanned string is: our RMA or order number, a carrier tracking number, or a GS1-128
element string (SSCC, ship-to postal code). Every format it fits is a candidate, each with
its check digit verified, so a misread is caught instead of matching the wrong parcel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.scanning import checksums
from app.scanning.codes import (
    ORDER_PREFIX,
    ORDER_RE,
    RMA_RE,
    lot_check_ok,
    plate_check_ok,
    rma_check_ok,
    tote_check_ok,
)

GS = "\x1d"
AIM_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
KINDS = ("rma", "order", "item", "ups", "fedex", "usps", "dhl", "sscc")


# A shop order name: "#" and up to 8 digits, or up to 6 bare digits (longer bare digits
# are carriers' tracking numbers).
SHOP_NAME_RE = re.compile(r"^(#\d{1,8}|\d{1,6})$")
SHOP_NAME = "shop order name"


@dataclass(frozen=True)
class Candidate:
    kind: str  # one of KINDS
    value: str  # the number to look up (a USPS routing prefix removed, for example)
    check_digit_ok: bool
    format: str  # human name of the format
    postal_code: str | None = None  # ship-to ZIP when the scan carried one


@dataclass(frozen=True)
class ScanResult:
    input: str
    text: str  # what was scanned, without symbology id, separators and spaces
    candidates: tuple[Candidate, ...]

    @property
    def valid(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.check_digit_ok)

    @property
    def recognised(self) -> bool:
        return bool(self.valid)

    def problem(self) -> str | None:
        """Why the scan cannot be used, in words for the bench; None when it can."""
        if not self.text:
            return "Nothing was scanned: scan the parcel's label or type a number."
        if not self.candidates:
            return (f"{self.text}: not a number we know (RMA, order, UPS, FedEx, USPS, DHL "
                    "or SSCC): scan again or type it.")
        if not self.valid:
            names = ", ".join(sorted({c.format for c in self.candidates}))
            return f"{self.text}: check digit wrong ({names}): misread, scan again."
        return None


def strip_symbology(raw: str) -> str:
    text = raw.strip()
    return AIM_RE.sub("", text, count=1)


def classify(raw: str) -> ScanResult:
    body = strip_symbology(raw)
    parts = [re.sub(r"\s+", "", p).upper() for p in body.split(GS)]
    text = "".join(parts)
    found: list[Candidate] = []
    if RMA_RE.match(text):
        found.append(Candidate("rma", text, rma_check_ok(text), "ReturnBench RMA"))
    elif ORDER_RE.match(text):
        found.append(Candidate("order", text, True, "order number"))
    elif text.startswith("RMA"):
        found.append(Candidate("rma", text, False, "ReturnBench RMA"))
    elif text.startswith("IT-"):
        found.append(Candidate("item", text, plate_check_ok(text), "ReturnBench item label"))
    elif SHOP_NAME_RE.match(text):
        # The shop's own order name, as the packing slip prints it ("#7001", "7001"): our
        # number in each brand (KP-07001, ST-07001); the lookup says when both exist.
        seq = int(text.lstrip("#"))
        found += [Candidate("order", f"{prefix}-{seq:05d}", True, SHOP_NAME)
                  for prefix in ORDER_PREFIX.values()]
    found += _gs1(parts)
    found += _tracking(text)
    unique: dict[tuple[str, str], Candidate] = {}
    for c in found:
        key = (c.kind, c.value)
        if key not in unique or (c.check_digit_ok and not unique[key].check_digit_ok):
            unique[key] = c
    return ScanResult(raw, text, tuple(unique.values()))


# --- GS1-128 ----------------------------------------------------------------------------
_FIXED_AI = {"00": 18}


def parse_gs1(parts: list[str]) -> dict[str, str] | None:
    """Element strings (AI 00 SSCC, 420 ship-to postal code, 421 with country); None when
    the text is not a well-formed GS1 string of these AIs."""
    found: dict[str, str] = {}
    for part in parts:
        rest = part
        while rest:
            if rest.startswith("00") and len(rest) >= 20 and rest[2:20].isdigit():
                found["00"], rest = rest[2:20], rest[20:]
            elif rest.startswith("420") or rest.startswith("421"):
                ai = rest[:3]
                # variable length: to the separator, or all of it when it is the last field
                found[ai], rest = rest[3:], ""
            else:
                return None
    return found or None


def _gs1(parts: list[str]) -> list[Candidate]:
    if not any(p.startswith(("00", "420", "421")) for p in parts):
        return []
    fields = parse_gs1(parts)
    if not fields or "00" not in fields:
        return []
    sscc = fields["00"]
    ok = checksums.gs1_mod10(sscc[:-1]) == int(sscc[-1])
    postal = fields.get("420") or fields.get("421")
    return [Candidate("sscc", sscc, ok, "GS1 SSCC-18", postal)]


# --- carriers ---------------------------------------------------------------------------
def _tracking(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    if re.fullmatch(r"1Z[A-Z0-9]{16}", text):
        out.append(Candidate("ups", text, checksums.ups_check(text[2:17]) == int(text[17])
                             if text[17].isdigit() else False, "UPS 1Z"))
    if not text.isdigit():
        return out
    n = len(text)
    d = [int(ch) for ch in text]
    if n == 12:
        out.append(Candidate("fedex", text, checksums.fedex12_check(text[:11]) == d[11],
                             "FedEx Express (12)"))
    if n == 15:
        out.append(Candidate("fedex", text, checksums.mod10(text[:14], evens_multiplier=1,
                             odds_multiplier=3) == d[14], "FedEx Ground (15)"))
    if n in (18, 20) and text.startswith("00"):
        sscc = text[-18:]
        out.append(Candidate("fedex", text, checksums.gs1_mod10(sscc[:-1]) == int(sscc[-1]),
                             f"FedEx Ground SSCC ({n})"))
    if n == 22 and text.startswith("96"):
        out.append(Candidate("fedex", text, checksums.mod10(text[7:21], evens_multiplier=1,
                             odds_multiplier=3) == d[21], "FedEx Ground 96 (22)"))
    if n == 34 and (d[0] <= 8 or text.startswith("96")):
        name = "FedEx Ground GSN (34)" if text.startswith("96") else "FedEx Express (34)"
        out.append(Candidate("fedex", text, checksums.weighted_mod(
            text[20:33], (1, 7, 3), 11, 10) == d[33], name))
    if n in (10, 11):
        out.append(Candidate("dhl", text, checksums.dhl_express_check(text[:-1]) == d[-1],
                             f"DHL Express ({n})"))
    out += _usps(text)
    return out


def _usps(text: str) -> list[Candidate]:
    """USPS IMpb (20 to 34 digits), with or without the 420 + ZIP (or ZIP+4) routing."""
    out = []
    options: list[tuple[str, str | None]] = [(text, None)]
    if text.startswith("420"):
        for zip_len in (5, 9):
            rest = text[3 + zip_len:]
            if len(rest) in (20, 22, 26, 30):
                options.append((rest, text[3:3 + zip_len]))
    for number, postal in options:
        n = len(number)
        if n == 20:
            # USPS 20, or a legacy 91-label printed without its "91" (checked with it).
            ok = checksums.usps20_check(number[:19]) == int(number[19]) or \
                checksums.usps_impb_check("91" + number[:19]) == int(number[19])
            out.append(Candidate("usps", number, ok, "USPS 20", postal))
        elif n in (22, 26, 30) and number[0] == "9":
            ok = checksums.usps_impb_check(number[:-1]) == int(number[-1])
            out.append(Candidate("usps", number, ok, f"USPS IMpb ({n})", postal))
    return out


# --- a burst's keys, before and at its end ----------------------------------------------
# The codes that carry a check digit, as the keys arrive: "#" a digit, "*" a letter or
# digit, anything else itself. A carrier's or GS1 number is digits (and GS separators).
_CHECKED_SHAPES = ("RMA-####-######-#", "IT-##########-#", "TO-######-#", "LOT-######-#",
                   "1Z****************")
_DIGITS_MAX = 50  # USPS with its 420 and ZIP+4 routing is 42


def _fits(prefix: str, shape: str) -> bool:
    if len(prefix) > len(shape):
        return False
    return all(ch.isdigit() if want == "#" else ch.isalnum() if want == "*" else ch == want
               for ch, want in zip(prefix, shape, strict=False))


def could_be_checked(prefix: str) -> bool:
    """Whether keys typed so far may still become one of the codes with a check digit (our
    RMA, item, tote and lot codes; UPS, FedEx, USPS, DHL, SSCC)."""
    text = prefix.strip().upper()
    if text.startswith("]"):  # an AIM symbology identifier, whole or begun
        text = text[3:] if len(text) >= 3 else ""
    text = re.sub(r"\s+", "", text)
    if not text:
        return True
    if all(ch.isdigit() or ch == GS for ch in text):
        return len(text) <= _DIGITS_MAX
    return any(_fits(text, shape) for shape in _CHECKED_SHAPES)


def checked_code(raw: str) -> bool:
    """A whole code whose check digit is right: an RMA, item, tote or lot code, or a
    carrier's or GS1 number (an order number has no check digit: not one)."""
    text = strip_symbology(raw).upper()
    if tote_check_ok(text) or lot_check_ok(text):
        return True
    return any(c.kind not in ("order",) for c in classify(raw).valid)
