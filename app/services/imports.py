"""Importing orders (Shopify's export) and return authorizations, all or nothing per file.

A file is parsed whole first; any rejected row means nothing is written, and the report
names every rejected row by line number and reason. Importing the same file again
changes nothing: an order or RMA already there with the same contents is counted as
unchanged; one there with other contents is a rejected row (the file does not silently
overwrite what the bench has worked with).

Dates that cannot be are rejected rows too: an order placed in the future, an order
delivered before it was placed or in the future, a customer's ship date before the
delivery or in the future. "Now" is the import clock's (never the machine's own clock);
the calendar dates of an RMA file (Delivered on, Shipped on) are compared with the
order's placing and with today as dates in the brand's warehouse time zone (its
policy's), and the same day is always possible."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app import audit, seals
from app.clock import Clock
from app.domain.enums import (
    Brand,
    DecisionStatus,
    ReceptionStatus,
    RmaStatus,
)
from app.domain.money import money
from app.importers.csvfile import Getter, RowError, parse_rows
from app.importers.rmas import ParsedRma, parse_rmas
from app.importers.shopify import BRAND_PREFIX, ParsedOrder, parse_orders
from app.permissions import Action, require
from app.policy.rules import Policy, load_policy
from app.services.auth import SignedInUser, require_current
from app.services.outcomes import live_units_elsewhere
from app.services.uow import UnitOfWork, retrying
from models import Customer, Order, OrderLine, Product, ReturnAuthorization, ReturnItem

Progress = Callable[[int, int], None]  # (done, total)
T = TypeVar("T")
CHUNK = 500


@dataclass(frozen=True)
class ImportReport:
    kind: str  # "orders" or "rmas"
    source: str
    rows: int
    new: int
    unchanged: int
    lines: int
    customers_new: int
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return (f"{self.source}: nothing imported; {len(self.errors)} row"
                    f"{'s' if len(self.errors) != 1 else ''} rejected (fix them and import "
                    "the file again).")
        if self.kind == "costs":
            return (f"{self.source}: {self.rows} rows; {self.new} SKU costs set or changed; "
                    f"{self.unchanged} already as in the file.")
        what = "orders" if self.kind == "orders" else "returns"
        items = "lines" if self.kind == "orders" else "items"
        extra = f", {self.customers_new} new customers" if self.kind == "orders" else ""
        return (f"{self.source}: {self.rows} rows; {self.new} new {what} ({self.lines} "
                f"{items}{extra}); {self.unchanged} already here and unchanged.")


def _chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


class ImportService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 station: str, policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._load_policy = policy_loader

    def _zone(self, brand: Brand, cache: dict[Brand, ZoneInfo]) -> ZoneInfo:
        """The brand's warehouse time zone (its policy's), read once per import."""
        if brand not in cache:
            cache[brand] = self._load_policy(brand.value).timezone
        return cache[brand]

    # --- costs -----------------------------------------------------------------------
    @retrying
    def import_costs(self, data: bytes, source: str, user: SignedInUser) -> ImportReport:
        """What each SKU cost us, from a catalogue CSV with columns `SKU, Cost`; all or
        nothing (a bad row is named by its line and nothing changes)."""
        require(user.role, Action.IMPORT_DATA)
        costs: dict[str, tuple[int, Decimal]] = {}

        def row(line: int, get: Getter) -> None:
            sku, text = get("SKU").upper(), get("Cost").replace("$", "").replace(",", "")
            if not sku:
                raise ValueError("no SKU")
            try:
                cost = money(text)
            except (ValueError, ArithmeticError) as exc:
                raise ValueError(f"SKU {sku}: cost {get('Cost')!r} is not an amount such "
                                 "as 42.50") from exc
            if cost != Decimal(text):  # never rounded: 42.505 is not 42.51 for sure
                raise ValueError(f"SKU {sku}: cost {get('Cost')!r} has more than two "
                                 "decimals: a cent cannot be guessed (fix the file)")
            if cost < 0 or cost > Decimal("100000"):
                raise ValueError(f"SKU {sku}: cost {cost} is out of range (0 to 100,000)")
            if sku in costs and costs[sku][1] != cost:
                raise ValueError(f"SKU {sku} is on line {costs[sku][0]} already with cost "
                                 f"{costs[sku][1]}")
            costs[sku] = (line, cost)

        errors, rows = parse_rows(data, ("SKU", "Cost"), "a cost catalogue (SKU, Cost)", row)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.IMPORT_DATA)
            products = {}
            for chunk in _chunks(sorted(costs)):
                products.update({p.sku: p for p in s.scalars(
                    select(Product).where(Product.sku.in_(chunk)))})
            errors += [RowError(line, f"SKU {sku} is not in the catalogue")
                       for sku, (line, _cost) in costs.items() if sku not in products]
            if errors:
                return ImportReport("costs", source, rows, 0, 0, 0, 0, _by_line(errors))
            changed = 0
            for sku, (_line, cost) in costs.items():
                if products[sku].cost != cost:
                    products[sku].cost = cost
                    changed += 1
            if changed:
                audit.append(s, at=self._clock.now(), action="import.costs",
                             actor=user.username, station=self._station, entity="file",
                             entity_id=source[-40:],
                             payload={"sha256": hashlib.sha256(data).hexdigest(),
                                      "rows": rows, "changed": changed})
            uow.commit()
            return ImportReport("costs", source, rows, changed, len(costs) - changed, 0, 0, ())

    # --- orders ----------------------------------------------------------------------
    @retrying
    def import_orders(self, data: bytes, source: str, user: SignedInUser,
                      brand: Brand | None = None,
                      progress: Progress | None = None) -> ImportReport:
        """Orders from a shop export, all or nothing, by `user` (named in the audit)."""
        require(user.role, Action.IMPORT_DATA)
        orders, errors, rows = parse_orders(data, brand)
        with UnitOfWork(self._sf) as uow:  # rows that parsed are checked against the db too
            s = uow.session
            require_current(s, user, Action.IMPORT_DATA)
            existing = self._existing_orders(s, [o.number for o in orders])
            fresh: list[ParsedOrder] = []
            unchanged = 0
            now = self._clock.now()
            zones: dict[Brand, ZoneInfo] = {}
            for order in orders:
                if order.placed_at > now:
                    zone = self._zone(order.brand, zones)
                    errors.append(RowError(order.line, f"order {order.source_name}: Created "
                                           f"at {_minute(order.placed_at, zone)} is in the "
                                           f"future (now is {_minute(now, zone)})"))
                    continue
                stored = existing.get(order.number)
                if stored is None:
                    fresh.append(order)
                elif _same_order(stored, order):
                    unchanged += 1
                else:
                    errors.append(RowError(order.line, f"order {order.source_name} is "
                                           f"already here as {order.number} with other "
                                           "contents (totals, date or lines)"))
            if errors:
                return ImportReport("orders", source, rows, 0, 0, 0, 0, _by_line(errors))
            created_customers = self._insert_orders(s, fresh, progress)
            report = ImportReport("orders", source, rows, len(fresh), unchanged,
                                  sum(len(o.lines) for o in fresh), created_customers, ())
            if fresh:
                audit.append(s, at=self._clock.now(), action="import.orders",
                             actor=user.username, station=self._station,
                             entity="file", entity_id=source[-40:],
                             payload={"sha256": hashlib.sha256(data).hexdigest(),
                                      "rows": rows, "orders": len(fresh),
                                      "unchanged": unchanged})
            uow.commit()
            return report

    def _insert_orders(self, s: Session, fresh: list[ParsedOrder],
                       progress: Progress | None) -> int:
        """Bulk inserts (not one ORM object per row: a peak week is tens of thousands of
        rows), CHUNK orders at a time with their customers and lines. Returns how many
        customers were new."""
        customer_ids = {c.email.lower(): c.id
                        for c in self._customers(s, {o.email for o in fresh}).values()}
        product_ids = {sku: p.id for sku, p in self._products(
            s, {ln.sku for o in fresh for ln in o.lines}).items()}
        created = 0
        for done, chunk in enumerate(_chunks(fresh), 1):
            new: dict[str, ParsedOrder] = {}
            for order in chunk:
                if order.email not in customer_ids:
                    new.setdefault(order.email, order)
            if new:
                for cid, email in s.execute(
                        insert(Customer).returning(Customer.id, Customer.email,
                                                   sort_by_parameter_order=True),
                        [{"name": o.customer_name[:120], "email": o.email, "phone": o.phone,
                          "postal_code": o.postal_code, "tier": o.tier}
                         for o in new.values()]):
                    customer_ids[email] = cid
                created += len(new)
            order_ids = {number: oid for number, oid in s.execute(
                insert(Order).returning(Order.number, Order.id,
                                        sort_by_parameter_order=True),
                [{"number": o.number, "brand": o.brand, "customer_id": customer_ids[o.email],
                  "placed_at": o.placed_at, "delivered_on": None, "customer_tier": o.tier,
                  "subtotal": o.subtotal, "shipping_paid": o.shipping, "tax_total": o.taxes}
                 for o in chunk])}
            # Each line sealed as stored: every refund is computed from its prices.
            seals.seal_rows(s, OrderLine, s.execute(
                insert(OrderLine).returning(*seals.stored_columns(OrderLine),
                                            sort_by_parameter_order=True), [
                {"order_id": order_ids[o.number], "line_no": n,
                 "product_id": product_ids.get(ln.sku), "sku": ln.sku[:40],
                 "description": ln.description[:120], "quantity": ln.quantity,
                 "unit_price_paid": ln.unit_price_paid, "msrp": ln.msrp,
                 "unit_tax": ln.unit_tax, "price_total": ln.price_total,
                 "tax_total": ln.tax_total, "clearance": ln.clearance}
                for o in chunk for n, ln in enumerate(o.lines, 1)]).mappings())
            if progress is not None:
                progress(min(done * CHUNK, len(fresh)), len(fresh))
        return created

    @staticmethod
    def _existing_orders(s: Session, numbers: list[str]) -> dict[str, Order]:
        out: dict[str, Order] = {}
        for chunk in _chunks(numbers):
            for order in s.scalars(select(Order).where(Order.number.in_(chunk))
                                   .options(selectinload(Order.lines))):
                out[order.number] = order
        return out

    @staticmethod
    def _customers(s: Session, emails: set[str]) -> dict[str, Customer]:
        out: dict[str, Customer] = {}
        for chunk in _chunks(sorted(emails)):
            for c in s.scalars(select(Customer).where(func.lower(Customer.email).in_(chunk))
                               .order_by(Customer.id)):
                out.setdefault(c.email.lower(), c)
        return out

    @staticmethod
    def _products(s: Session, skus: set[str]) -> dict[str, Product]:
        out: dict[str, Product] = {}
        for chunk in _chunks(sorted(skus)):
            for p in s.scalars(select(Product).where(Product.sku.in_(chunk))):
                out[p.sku] = p
        return out

    # --- return authorizations -----------------------------------------------------------
    @retrying
    def import_rmas(self, data: bytes, source: str, user: SignedInUser,
                    progress: Progress | None = None) -> ImportReport:
        require(user.role, Action.IMPORT_DATA)
        rmas, errors, rows = parse_rmas(data)
        with UnitOfWork(self._sf) as uow:  # rows that parsed are checked against the db too
            s = uow.session
            require_current(s, user, Action.IMPORT_DATA)
            stored = {r.number: r for chunk in _chunks([r.number for r in rmas])
                      for r in s.scalars(select(ReturnAuthorization).where(
                          ReturnAuthorization.number.in_(chunk))
                          .options(selectinload(ReturnAuthorization.items)
                                   .selectinload(ReturnItem.order_line)))}
            fresh, unchanged = [], 0
            orders: dict[str, Order] = {}
            now = self._clock.now()
            zones: dict[Brand, ZoneInfo] = {}
            delivered_in_file: dict[str, dt.date] = {}
            in_file: dict[tuple[str, str], list[str]] = {}  # units earlier rows return
            for rma in rmas:
                order = self._order_for(s, rma.order, orders)
                if order is None:
                    errors.append(RowError(rma.line, f"RMA {rma.number}: no order "
                                           f"{rma.order} (import the orders first)"))
                    continue
                if rma.number in stored:
                    if _same_rma(stored[rma.number], rma, order):
                        unchanged += 1
                    else:
                        errors.append(RowError(rma.line, f"RMA {rma.number} is already "
                                               "here with other contents"))
                    continue
                problem = _fit(rma, order) or _returned_before(s, rma, order, in_file)
                if problem:
                    errors.append(RowError(problem[0], problem[1]))
                    continue
                for unit in rma.units:
                    in_file.setdefault((order.number, unit.sku), []).append(rma.number)
                date_problem = _dates(rma, order, delivered_in_file.get(order.number),
                                      now, self._zone(order.brand, zones))
                if date_problem:
                    errors.append(RowError(rma.line, date_problem))
                    continue
                if rma.delivered_on is not None:
                    delivered_in_file.setdefault(order.number, rma.delivered_on)
                fresh.append((rma, order))
            if errors:
                return ImportReport("rmas", source, rows, 0, 0, 0, 0, _by_line(errors))
            now = self._clock.now()
            for done, (rma, order) in enumerate(fresh, 1):
                if rma.delivered_on is not None:
                    order.delivered_on = rma.delivered_on
                row = ReturnAuthorization(
                    number=rma.number, order=order, carrier=rma.carrier,
                    tracking_number=rma.tracking, created_at=rma.created_at or now,
                    shipped_by_customer_on=rma.shipped_on,
                    status=RmaStatus.IN_TRANSIT if rma.shipped_on or rma.tracking
                    else RmaStatus.AUTHORIZED)
                s.add(row)
                lines = _assign_lines(rma, order)
                for unit_no, (unit, line) in enumerate(zip(rma.units, lines, strict=True), 1):
                    s.add(ReturnItem(rma=row, unit_no=unit_no, order_line=line,
                                     reason=unit.reason, customer_comment=unit.comment,
                                     requested=unit.requested,
                                     exchange_size=unit.exchange_size,
                                     reception_status=ReceptionStatus.AWAITING,
                                     decision_status=DecisionStatus.PENDING))
                if progress is not None and (done % 100 == 0 or done == len(fresh)):
                    s.flush()
                    progress(done, len(fresh))
            if fresh:
                audit.append(s, at=now, action="import.rmas",
                             actor=user.username, station=self._station,
                             entity="file", entity_id=source[-40:],
                             payload={"sha256": hashlib.sha256(data).hexdigest(),
                                      "rows": rows, "rmas": len(fresh),
                                      "unchanged": unchanged})
            uow.commit()
            return ImportReport("rmas", source, rows, len(fresh), unchanged,
                                sum(len(r.units) for r, _o in fresh), 0, ())

    @staticmethod
    def _order_for(s: Session, text: str, cache: dict[str, Order]) -> Order | None:
        candidates = [text.upper()]
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and not text.upper().startswith(tuple(BRAND_PREFIX.values())):
            candidates += [f"{p}-{int(digits):05d}" for p in BRAND_PREFIX.values()]
        for number in candidates:
            if number in cache:
                return cache[number]
            order = s.scalars(select(Order).where(Order.number == number)
                              .options(selectinload(Order.lines))).one_or_none()
            if order is not None:
                cache[number] = order
                return order
        return None


def _by_line(errors: list[RowError]) -> tuple[RowError, ...]:
    return tuple(sorted(errors, key=lambda e: e.line))


def _same_order(stored: Order, parsed: ParsedOrder) -> bool:
    lines = [(ln.sku, ln.quantity, ln.price_total) for ln in stored.lines]
    wanted = [(ln.sku[:40], ln.quantity, ln.price_total) for ln in parsed.lines]
    return (stored.subtotal == parsed.subtotal and stored.shipping_paid == parsed.shipping
            and stored.tax_total == parsed.taxes and stored.placed_at == parsed.placed_at
            and lines == wanted)


def _same_rma(stored: ReturnAuthorization, parsed: ParsedRma, order: Order) -> bool:
    units = [(it.order_line.sku if it.order_line else None, it.reason, it.requested)
             for it in stored.items]
    wanted = [(u.sku, u.reason, u.requested) for u in parsed.units]
    return stored.order_id == order.id and units == wanted


def _fit(rma: ParsedRma, order: Order) -> tuple[int, str] | None:
    """The RMA's units must be lines of its order, no more units than were bought."""
    bought: dict[str, int] = {}
    for line in order.lines:
        bought[line.sku] = bought.get(line.sku, 0) + line.quantity
    asked: dict[str, int] = {}
    for unit in rma.units:
        asked[unit.sku] = asked.get(unit.sku, 0) + 1
        if unit.sku not in bought:
            return unit.line, f"RMA {rma.number}: order {order.number} has no SKU {unit.sku}"
        if asked[unit.sku] > bought[unit.sku]:
            return unit.line, (f"RMA {rma.number}: {asked[unit.sku]} units of {unit.sku} "
                               f"returned but {bought[unit.sku]} bought")
    if rma.delivered_on is not None and order.delivered_on is not None \
            and rma.delivered_on != order.delivered_on:
        return rma.line, (f"RMA {rma.number}: Delivered on {rma.delivered_on} but order "
                          f"{order.number} was delivered on {order.delivered_on}")
    return None


def _returned_before(s: Session, rma: ParsedRma, order: Order,
                     in_file: dict[tuple[str, str], list[str]]) -> tuple[int, str] | None:
    """One unit bought comes back once: units of a SKU that other RMAs (stored, or earlier
    in this file) still return count against what was bought. A unit that went back to
    the customer, or never arrived, may be returned again."""
    asked: dict[str, list[int]] = {}
    for unit in rma.units:
        asked.setdefault(unit.sku, []).append(unit.line)
    for sku, lines in asked.items():
        order_lines = [ln for ln in order.lines if ln.sku == sku]
        bought = sum(ln.quantity for ln in order_lines)
        earlier = [n for ln in order_lines if ln.id is not None
                   for n in live_units_elsewhere(s, ln.id, None)]
        earlier += in_file.get((order.number, sku), [])
        if len(earlier) + len(lines) > bought:
            names = ", ".join(sorted(set(earlier)))
            return lines[0], (f"RMA {rma.number}: order {order.number} bought {bought} of "
                              f"{sku} and {len(earlier)} already come back on {names}: the "
                              "same unit cannot be returned twice")
    return None


def _minute(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


def _dates(rma: ParsedRma, order: Order, delivered_in_file: dt.date | None,
           now: dt.datetime, zone: ZoneInfo) -> str | None:
    """Why the RMA's dates cannot be, or None. Calendar dates are the warehouse's (`zone`);
    `delivered_in_file` is the delivery an earlier RMA of the same file gives the order
    (not stored yet)."""
    today = now.astimezone(zone).date()
    if rma.delivered_on is not None:
        placed = order.placed_at.astimezone(zone).date()
        if rma.delivered_on < placed:
            return (f"RMA {rma.number}: Delivered on {rma.delivered_on} is before order "
                    f"{order.number} was placed ({placed}): an order cannot be delivered "
                    "before it was placed")
        if rma.delivered_on > today:
            return (f"RMA {rma.number}: Delivered on {rma.delivered_on} is in the future "
                    f"(today is {today})")
    delivered = rma.delivered_on or order.delivered_on or delivered_in_file
    shipped = rma.shipped_on
    if shipped is not None and delivered is not None and shipped < delivered:
        return (f"RMA {rma.number}: Shipped on {shipped} is before order {order.number} was "
                f"delivered ({delivered}): a parcel cannot ship back before it arrived")
    if shipped is not None and shipped > today:
        return f"RMA {rma.number}: Shipped on {shipped} is in the future (today is {today})"
    return None


def _assign_lines(rma: ParsedRma, order: Order) -> list[OrderLine]:
    """Each unit to an order line of its SKU, filling lines in order."""
    left = {line.id: line.quantity for line in order.lines}
    out = []
    for unit in rma.units:
        line = next(ln for ln in order.lines if ln.sku == unit.sku and left[ln.id] > 0)
        left[line.id] -= 1
        out.append(line)
    return out
