"""Money as `Decimal` quantized to cents; conversions to and from integer cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# The largest amount anything here can be: more is a typo, or an attack on the parser.
MAX_AMOUNT = Decimal("10000000")


def money(value: str | int | Decimal) -> Decimal:
    """Parse a money amount exactly (strings or Decimals, never floats), at most
    9,999,999.99 either way; anything else is a ValueError that names it."""
    if isinstance(value, float):  # pragma: no cover - guarded by type hints too
        raise TypeError("money must not be a float")
    if isinstance(value, str) and len(value.strip()) > 20:
        raise ValueError(f"not a money amount: {value.strip()[:20]!r}… (too long)")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a money amount: {value!r}") from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"not a money amount: {value!r} (at most 9,999,999.99)")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    return int((amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_money(amount: Decimal) -> str:
    """`$1,234.50` for people; use `str(amount)` for machines."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
