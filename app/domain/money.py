"""Money as `Decimal` quantized to cents; conversions to and from integer cents."""

from __future__ import annotations

from collections.abc import Sequence
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


def exact_money(text: str, what: str) -> Decimal:
    """An amount as a file gives it (`$1,234.50`, `120`), refused rather than rounded:
    more than two decimals (`120.005`) is a ValueError that names `what`, never a cent
    guessed. Trailing zeros (`120.500`) lose nothing and are read."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    try:
        amount = money(cleaned)
    except ValueError as exc:
        raise ValueError(f"{what} {text.strip()[:20]!r} is not an amount") from exc
    if amount != Decimal(cleaned):
        raise ValueError(f"{what} {text.strip()[:20]!r} has more than two decimals: a "
                         "cent cannot be guessed (fix the file)")
    return amount


def unit_share(total: Decimal, quantity: int, k: int) -> Decimal:
    """Unit `k` (1-based) of `quantity`'s share of `total`, by largest remainder: every
    unit gets the whole cents of total/quantity and the first `total_cents % quantity`
    units one cent more, so the shares of units 1..quantity add up to `total` exactly
    (three units of $290.00 are $96.67, $96.67, $96.66)."""
    if quantity < 1 or not 1 <= k <= quantity:
        raise ValueError(f"unit {k} of {quantity}: no such unit")
    base, extra = divmod(to_cents(total), quantity)
    return from_cents(base + (1 if k <= extra else 0))


def share_by_weight(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` shared in cents in proportion to `weights` by largest remainder: each
    share is the floor of its exact part, and the cents left over go one each to the
    largest remainders (the earlier on a tie). The shares add up to `total` exactly and
    no share is a cent further from its exact part than rounding allows. Weights that
    add up to nothing share equally."""
    if not weights:
        return []
    cents = to_cents(total)
    scaled = [to_cents(w) for w in weights]
    whole = sum(scaled)
    if whole <= 0:
        scaled, whole = [1] * len(weights), len(weights)
    floors = [cents * w // whole for w in scaled]
    remainders = [cents * w - f * whole for w, f in zip(scaled, floors, strict=True)]
    left = cents - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return [from_cents(c) for c in floors]
