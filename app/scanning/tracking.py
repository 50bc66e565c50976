"""Generating carrier tracking numbers with valid check digits (demo data and tests)."""

from __future__ import annotations

import random
import string

from app.domain.enums import Carrier
from app.scanning import checksums

_ALNUM = string.ascii_uppercase + string.digits


def make_tracking_number(carrier: Carrier, rng: random.Random) -> str:
    if carrier is Carrier.UPS:
        shipper = "".join(rng.choice(_ALNUM) for _ in range(6))
        serial = shipper + rng.choice(["01", "02", "03", "12", "13"]) + _digits(rng, 7)
        return f"1Z{serial}{checksums.ups_check(serial)}"
    if carrier is Carrier.FEDEX:
        serial = _digits(rng, 11)
        return f"{serial}{checksums.fedex12_check(serial)}"
    if carrier is Carrier.USPS:
        # IMpb 22 digits: 94 + service type + 6-digit mailer id + 10-digit package id.
        serial = "94" + rng.choice(["001", "055", "748"]) + str(rng.randint(1, 8)) + _digits(
            rng, 15
        )
        return f"{serial}{checksums.usps_impb_check(serial)}"
    if carrier is Carrier.DHL:
        serial = str(rng.randint(1, 9)) + _digits(rng, 8)
        return f"{serial}{checksums.dhl_express_check(serial)}"
    raise ValueError(f"unknown carrier {carrier}")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))
