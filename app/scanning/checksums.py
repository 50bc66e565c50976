"""Check-digit algorithms of carrier tracking numbers and of our own codes.

The algorithms follow the published tracking-number reference data (see
`shared/reference/tracking_number_data/ABOUT.md`); each returns the expected check digit.
"""

from __future__ import annotations

from collections.abc import Sequence


def _char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    return (ord(ch) - 3) % 10


def mod10(
    serial: str, *, evens_multiplier: int, odds_multiplier: int, reverse: bool = False
) -> int:
    """Weighted sum mod 10 (not Luhn: products are not digit-summed)."""
    chars = serial[::-1] if reverse else serial
    total = 0
    for i, ch in enumerate(chars):
        total += _char_value(ch) * (odds_multiplier if i % 2 else evens_multiplier)
    return (10 - total % 10) % 10


def mod7(serial: str) -> int:
    return int(serial) % 7


def weighted_mod(serial: str, weights: Sequence[int], modulo1: int, modulo2: int) -> int:
    total = sum(int(ch) * weights[i % len(weights)] for i, ch in enumerate(serial))
    return total % modulo1 % modulo2


def gs1_mod10(data: str) -> int:
    """GS1 check digit: weights 3,1,3,... from the rightmost data digit."""
    total = 0
    for i, ch in enumerate(reversed(data)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def luhn(digits: str) -> int:
    """Luhn check digit, used on our RMA numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


# The check digits of the carrier formats the demo data and tests generate.
def ups_check(serial16: str) -> int:
    return mod10(serial16, evens_multiplier=1, odds_multiplier=2)


def fedex12_check(serial11: str) -> int:
    return weighted_mod(serial11, (3, 1, 7), 11, 10)


def usps20_check(serial19: str) -> int:
    return mod10(serial19, evens_multiplier=3, odds_multiplier=1)


def usps_impb_check(serial21: str) -> int:
    return mod10(serial21, evens_multiplier=3, odds_multiplier=1, reverse=True)


def dhl_express_check(serial: str) -> int:
    return mod7(serial)
