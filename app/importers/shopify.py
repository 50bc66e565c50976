"""Shopify's "Export orders" CSV, read by column name.

Any subset and order of Shopify's columns is accepted (older exports have fewer); the
ones the bench needs are Name, Email, Created at, Lineitem quantity, Lineitem price and
Lineitem sku. An order spans several rows, one per line item, with the order-level fields
(email, totals, addresses, dates) filled on its first row only. Quirks handled:
timestamps with an offset (`2025-05-11 09:55:16 -0400`), zip codes with a leading
apostrophe (`'02134`, Excel's guard for leading zeros), money with or without `$` and
thousands separators, a UTF-8 byte-order mark. A line is clearance when it sold at half
its compare-at price or less (POLICY.md: >= 50% off MSRP); compare-at is the MSRP.

Parsing never touches the database: it returns the orders and every row it rejects,
with the row's line number in the file and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.bounds import date_in_range
from app.domain.enums import Brand, CustomerTier
from app.domain.money import ZERO, exact_money, share_by_weight, unit_share
from app.importers.csvfile import Getter, RowError, parse_rows

# The columns we read, as Shopify names them (matched without regard to case or spaces).
MAX_QUANTITY = 50  # dresses on one order line; more is a typo (or an attack)
REQUIRED = ("Name", "Email", "Lineitem quantity", "Lineitem price", "Lineitem sku")
ORDER_LEVEL = ("Email", "Created at", "Subtotal", "Shipping", "Taxes", "Total", "Currency",
               "Billing Name", "Shipping Name", "Shipping Zip", "Billing Zip", "Phone",
               "Shipping Phone", "Billing Phone", "Tags")
CLEARANCE_SHARE = Decimal("0.50")  # sold at <= 50% of compare-at (MSRP): clearance
BRAND_PREFIX = {Brand.KISSPROM: "KP", Brand.STACEES: "ST"}
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%z")
_DIGITS = re.compile(r"\d+")


@dataclass
class ParsedLine:
    line: int
    sku: str
    description: str
    quantity: int
    price_total: Decimal  # the whole line, after its discounts (and the order's)
    msrp: Decimal
    clearance: bool
    tax_total: Decimal = ZERO  # the line's share of the order's taxes

    @property
    def unit_price_paid(self) -> Decimal:  # unit 1's share (the stored column)
        return unit_share(self.price_total, self.quantity, 1)

    @property
    def unit_tax(self) -> Decimal:
        return unit_share(self.tax_total, self.quantity, 1)


@dataclass
class ParsedOrder:
    line: int  # the order's first row in the file
    source_name: str  # Shopify's Name, e.g. "#1001"
    number: str  # ours, e.g. "KP-01001"
    brand: Brand
    email: str
    customer_name: str
    phone: str | None
    postal_code: str
    tier: CustomerTier
    placed_at: dt.datetime
    subtotal: Decimal
    shipping: Decimal
    taxes: Decimal
    lines: list[ParsedLine] = field(default_factory=list)
    subtotal_given: bool = False


def parse_timestamp(text: str) -> dt.datetime:
    text = text.strip()[:40]
    for fmt in _TIMESTAMP_FORMATS:
        try:
            moment = dt.datetime.strptime(text, fmt).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            continue
        problem = date_in_range(moment.date())
        if problem:
            raise ValueError(f"timestamp {problem}")
        return moment
    raise ValueError(f"timestamp {text!r} is not like 2025-05-11 09:55:16 -0400 "
                     "(the offset is needed)")


def parse_money(text: str, what: str) -> Decimal:
    """An amount of the file, exactly: `120.005` is refused, never rounded."""
    if not text.strip().replace("$", "").replace(",", ""):
        return ZERO
    value = exact_money(text, what)
    if value < 0:
        raise ValueError(f"{what} {text!r} is negative")
    return value


def clean_zip(text: str) -> str:
    """`'02134` -> `02134`: Excel users' apostrophe keeps the leading zero."""
    return text.strip().lstrip("'").strip()[:10]


def our_order_number(name: str, brand: Brand) -> str:
    """Shopify's `#1001` becomes `KP-01001`: the brand's prefix and at least five digits,
    the shape our scanners and labels know."""
    digits = "".join(_DIGITS.findall(name))
    if not digits:
        raise ValueError(f"order Name {name[:40]!r} has no number in it")
    if len(digits.lstrip("0")) > 9:
        raise ValueError(f"order Name {name[:40]!r}: more than 9 digits is no order number")
    return f"{BRAND_PREFIX[brand]}-{int(digits):05d}"


def _brand_of(given: Brand | None, vendor: str, sku: str) -> Brand:
    if given is not None:
        return given
    text = f"{vendor} {sku}".lower()
    if "kissprom" in text or sku.upper().startswith("KP-"):
        return Brand.KISSPROM
    if "stacees" in text or sku.upper().startswith("ST-"):
        return Brand.STACEES
    raise ValueError("cannot tell the brand from the Vendor or the SKU; import with --brand")


def _tier(tags: str) -> CustomerTier:
    words = {t.strip().lower() for t in tags.split(",")}
    if "enterprise" in words:
        return CustomerTier.ENTERPRISE
    if "priority" in words or "vip" in words:
        return CustomerTier.PRIORITY
    return CustomerTier.STANDARD


def parse_orders(data: bytes, brand: Brand | None = None
                 ) -> tuple[list[ParsedOrder], list[RowError], int]:
    """(orders, rejected rows, rows read). A file Shopify could not have written (not
    CSV, not UTF-8, required columns missing) is refused as a whole with BadInput."""
    orders: dict[str, ParsedOrder] = {}
    first_row: dict[str, dict[str, str]] = {}
    errors, rows = parse_rows(data, REQUIRED, "a Shopify order export",
                              lambda line, get: _row(get, line, brand, orders, first_row))
    for order in orders.values():
        _allocate(order)
    return list(orders.values()), errors, rows


def _row(get: Getter, line: int, brand: Brand | None, orders: dict[str, ParsedOrder],
         first_row: dict[str, dict[str, str]]) -> None:
    name = get("Name")
    if not name:
        raise ValueError("no order Name")
    try:
        _order_row(get, name, line, brand, orders, first_row)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if message.startswith("order ")
                         else f"order {name}: {message}") from None


def _order_row(get: Getter, name: str, line: int, brand: Brand | None,
               orders: dict[str, ParsedOrder], first_row: dict[str, dict[str, str]]) -> None:
    sku = get("Lineitem sku")
    if not sku:
        raise ValueError(f"order {name}: line item has no SKU (the bench needs it)")
    text = get("Lineitem quantity")
    if not text.isdigit() or len(text) > 4:
        raise ValueError(f"order {name}: Lineitem quantity {text[:20]!r} is not a whole "
                         f"number from 1 to {MAX_QUANTITY}")
    quantity = int(text)
    if quantity < 1:
        raise ValueError(f"order {name}: Lineitem quantity must be at least 1")
    if quantity > MAX_QUANTITY:
        raise ValueError(f"order {name}: Lineitem quantity {quantity} is more than "
                         f"{MAX_QUANTITY} dresses on one line: a typo?")
    price = parse_money(get("Lineitem price"), "Lineitem price")
    compare_at = parse_money(get("Lineitem compare at price"), "Lineitem compare at price")
    # Lineitem discount is the whole line's: the units share it (unit_share), each
    # unit's cents are never rounded on their own.
    discount = parse_money(get("Lineitem discount"), "Lineitem discount")
    paid = price * quantity - discount
    if paid < 0:
        raise ValueError(f"order {name}: Lineitem discount is more than the price")
    msrp = compare_at if compare_at > 0 else price
    parsed_line = ParsedLine(
        line=line, sku=sku, description=get("Lineitem name") or sku, quantity=quantity,
        price_total=paid, msrp=msrp,
        clearance=compare_at > 0 and paid <= msrp * CLEARANCE_SHARE * quantity)
    order = orders.get(name)
    if order is None:
        this_brand = _brand_of(brand, get("Vendor"), sku)
        currency = get("Currency")
        if currency and currency.upper() != "USD":
            raise ValueError(f"order {name}: currency {currency} (the bench works in USD)")
        email = get("Email").lower()
        if "@" not in email:
            raise ValueError(f"order {name}: its first row needs the customer's Email")
        created = get("Created at") or get("Paid at")
        if not created:
            raise ValueError(f"order {name}: its first row needs Created at")
        postal = clean_zip(get("Shipping Zip") or get("Billing Zip"))
        if not postal:
            raise ValueError(f"order {name}: no Shipping Zip or Billing Zip")
        order = ParsedOrder(
            line=line, source_name=name, number=our_order_number(name, this_brand),
            brand=this_brand, email=email,
            customer_name=get("Billing Name") or get("Shipping Name") or email,
            phone=(get("Shipping Phone") or get("Phone") or get("Billing Phone")
                   or None),
            postal_code=postal, tier=_tier(get("Tags")), placed_at=parse_timestamp(created),
            subtotal=parse_money(get("Subtotal"), "Subtotal"),
            shipping=parse_money(get("Shipping"), "Shipping"),
            taxes=parse_money(get("Taxes"), "Taxes"), subtotal_given=bool(get("Subtotal")))
        same = next((o for o in orders.values() if o.number == order.number), None)
        if same is not None:  # "#3001" and "#30-01" both read as KP-03001
            raise ValueError(f"order {name}: reads as {order.number}, like order "
                             f"{same.source_name} (line {same.line}); rename one")
        orders[name] = order
        first_row[name] = {k: get(k) for k in ORDER_LEVEL}
    else:
        # Later rows repeat nothing; a value that is there must agree with the first row.
        for k in ORDER_LEVEL:
            value = get(k)
            if value and first_row[name][k] and value != first_row[name][k]:
                raise ValueError(f"order {name}: {k} {value!r} differs from its first row "
                                 f"(line {order.line}: {first_row[name][k]!r})")
        if brand is None and _brand_of(None, get("Vendor"), sku) is not order.brand:
            raise ValueError(f"order {name}: line items of two brands in one order")
    order.lines.append(parsed_line)


def _allocate(order: ParsedOrder) -> None:
    """What the order paid, shared in cents by largest remainder (share_by_weight), so
    the lines never add up to a cent more than the order paid: a Subtotal below the
    lines' own amounts (Shopify's Subtotal is after every discount) is an order discount
    the lines share by their amounts; the order's taxes, which Shopify gives for the
    order only, the lines share by what they paid. Each line's units then share its
    totals (unit_share)."""
    paid = sum((ln.price_total for ln in order.lines), ZERO)
    if order.subtotal_given and order.subtotal < paid:
        cuts = share_by_weight(paid - order.subtotal, [ln.price_total for ln in order.lines])
        for ln, cut in zip(order.lines, cuts, strict=True):
            ln.price_total -= cut
    if order.taxes > 0:
        taxes = share_by_weight(order.taxes, [ln.price_total for ln in order.lines])
        for ln, tax in zip(order.lines, taxes, strict=True):
            ln.tax_total = tax
