"""Deterministic demo data: a formalwear catalogue, customers, orders, RMAs and one user per role.

Everything derives from the seed and the reference day, so the same seed on the same day
gives identical databases (ids, timestamps and PIN hashes included).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.domain.enums import (
    Brand,
    Carrier,
    CustomerTier,
    DecisionStatus,
    PriceTier,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
    RmaStatus,
    Role,
)
from app.domain.money import money
from app.errors import BadInput
from app.scanning.codes import order_number, rma_number
from app.scanning.tracking import make_tracking_number
from app.security import hash_pin_with_salt_from
from app.services.uow import UnitOfWork
from models import (
    AppMeta,
    AuditEvent,
    Customer,
    Order,
    OrderLine,
    Product,
    ReturnAuthorization,
    ReturnItem,
    Station,
    Style,
    User,
)

DEMO_META_KEY = "demo_data"
MAX_DEMO_ORDERS = 200_000


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    pin: str


# Published in the README: these are demo credentials, not secrets.
DEMO_USERS = (
    DemoUser("ines", "Ines Moreno", Role.INSPECTOR, "1111"),
    DemoUser("carl", "Carl Okafor", Role.CLAIMS, "2222"),
    DemoUser("sam", "Sam Whitfield", Role.SUPERVISOR, "333333"),
    DemoUser("maria", "Maria Chen", Role.MANAGER, "444444"),
    DemoUser("adam", "Adam Novak", Role.ADMIN, "555555"),
)
DEMO_STATIONS = ("BENCH-01", "BENCH-02", "BENCH-03", "CLAIMS-01", "MANAGER-01")

US_SIZES = tuple(str(s) for s in range(0, 27, 2))
COLOURS = (
    ("RED", "Red"), ("BLK", "Black"), ("NVY", "Navy"), ("EMR", "Emerald"), ("CHM", "Champagne"),
    ("BLU", "Dusty Blue"), ("LIL", "Lilac"), ("BRG", "Burgundy"), ("ROS", "Rose Gold"),
    ("SAG", "Sage"), ("IVR", "Ivory"), ("FUC", "Fuchsia"),
)
SILHOUETTES = (
    ("EVG", "A-line evening gown"), ("MRM", "Mermaid gown"), ("BAL", "Ball gown"),
    ("SHT", "Sheath dress"), ("TRP", "Trumpet gown"), ("TWO", "Two-piece set"),
    ("EMP", "Empire waist gown"), ("CKT", "Cocktail dress"),
)
STYLE_NAMES = (
    "Aurora", "Celeste", "Seraphina", "Juliet", "Marisol", "Delphine", "Vivienne", "Ophelia",
    "Isadora", "Liliana", "Noor", "Esme", "Camille", "Gianna", "Rosalind", "Thea", "Amara",
    "Odette", "Saoirse", "Paloma", "Beatrix", "Coralie", "Elodie", "Mirabel",
)
FIRST = (
    "Olivia", "Emma", "Ava", "Sophia", "Mia", "Isabella", "Amelia", "Harper", "Evelyn",
    "Abigail", "Ella", "Chloe", "Zoe", "Aaliyah", "Maya", "Jasmine", "Priya", "Lucia",
    "Hannah", "Grace", "Nora", "Leah", "Ruby", "Camila", "Destiny", "Kayla",
)
LAST = (
    "Johnson", "Garcia", "Smith", "Martinez", "Nguyen", "Brown", "Davis", "Rodriguez",
    "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Lee", "Harris", "Clark",
    "Lewis", "Walker", "Patel", "Kim", "Lopez", "Scott", "Adams", "Baker", "Rivera",
)
TAX_RATE = Decimal("0.0825")
REASONS = (
    (ReturnReason.SIZING, 45), (ReturnReason.CHANGED_MIND, 15),
    (ReturnReason.QUALITY_DEFECT, 12), (ReturnReason.SHIPPING_DAMAGE, 8),
    (ReturnReason.WRONG_ITEM_SENT, 5), (ReturnReason.LATE_DELIVERY, 5),
    (ReturnReason.OTHER, 10),
)


@dataclass(frozen=True)
class DemoSummary:
    styles: int
    products: int
    customers: int
    orders: int
    rmas: int
    return_items: int
    users: int
    history: dict[str, int] | None = None  # what the 60 days of history hold, if played


def load_demo_data(
    session_factory: sessionmaker[Session], *, orders: int, seed: int, today: dt.date
) -> DemoSummary:
    """Fill a new, empty database with demo data (its published demo users included).
    Refuses any database that holds anything: real people or data, or demo data already.
    The 60 days of history on top are played by `app.demo_history`."""
    if orders < 1:
        raise BadInput("--orders must be at least 1")
    if orders > MAX_DEMO_ORDERS:
        raise BadInput(f"--orders: at most {MAX_DEMO_ORDERS:,}.")
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        if s.get(AppMeta, DEMO_META_KEY) is not None:
            raise BadInput("This database holds demo data already: demo data goes into a "
                           "new, empty database (a new file, or a new PostgreSQL database).")
        held = _holdings(s)
        if held:
            raise BadInput(f"This database is in use ({held}): demo data, with its published "
                           "PINs, goes into a new, empty database only.")
        summary = _Generator(s, random.Random(seed), seed, today).run(orders)
        uow.commit()
        return summary


def record_history(session_factory: sessionmaker[Session], played: dict[str, int]) -> None:
    """Note on the demo marker that its history was played, and what it holds."""
    with UnitOfWork(session_factory) as uow:
        meta = uow.session.get(AppMeta, DEMO_META_KEY)
        if meta is None:
            raise BadInput("No demo data here to add a history to.")
        meta.value = json.dumps({**json.loads(meta.value), "history": played})
        uow.commit()


def is_demo_database(session_factory: sessionmaker[Session]) -> bool:
    with UnitOfWork(session_factory) as uow:
        return uow.session.get(AppMeta, DEMO_META_KEY) is not None


def database_is_empty(session_factory: sessionmaker[Session]) -> bool:
    """Nothing in it yet: no people, no orders, no returns, no catalogue, no history. Its
    first start asks: explore with demo data, or set up this warehouse."""
    with UnitOfWork(session_factory) as uow:
        return not _holdings(uow.session) and uow.session.get(AppMeta, DEMO_META_KEY) is None


def _holdings(s: Session) -> str:
    """What the database holds, in words ("" when nothing)."""
    counts = [(n, s.scalar(select(func.count()).select_from(model)) or 0)
              for n, model in (("users", User), ("orders", Order), ("products", Product),
                               ("returns", ReturnAuthorization), ("audit events", AuditEvent))]
    return ", ".join(f"{c:,} {n}" for n, c in counts if c)


class _Generator:
    def __init__(self, session: Session, rng: random.Random, seed: int, today: dt.date) -> None:
        self.s = session
        self.rng = rng
        self.seed = seed
        self.today = today
        self.noon = dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)

    def run(self, n_orders: int) -> DemoSummary:
        users = self._users()
        existing = set(self.s.scalars(select(Station.name)))
        self.s.add_all(Station(name=name) for name in DEMO_STATIONS if name not in existing)
        styles, products = self._catalogue()
        customers = self._customers(max(1, int(n_orders * 0.85)))
        orders = self._orders(n_orders, customers, products)
        rmas, items = self._rmas(orders)
        self.s.add(
            AppMeta(
                key=DEMO_META_KEY,
                value=json.dumps({"seed": self.seed, "orders": n_orders,
                                  "day": self.today.isoformat()}),
            )
        )
        self.s.flush()
        audit.append(self.s, at=self.noon, action="demo_data.loaded", actor="system",
                     payload={"seed": self.seed, "orders": n_orders, "rmas": rmas})
        return DemoSummary(len(styles), len(products), len(customers), n_orders, rmas,
                           items, len(users))

    def _users(self) -> list[User]:
        users = [
            User(username=u.username, display_name=u.display_name, role=u.role,
                 pin_hash=hash_pin_with_salt_from(u.pin, f"demo:{self.seed}:{u.username}"),
                 active=True, failed_attempts=0, created_at=self.noon)
            for u in DEMO_USERS
        ]
        self.s.add_all(users)
        return users

    def _catalogue(self) -> tuple[list[Style], list[Product]]:
        rng = self.rng
        styles: list[Style] = []
        products: list[Product] = []
        number = 1000
        for brand in Brand:
            prefix = "KP" if brand is Brand.KISSPROM else "ST"
            for name in STYLE_NAMES:
                number += rng.randint(1, 9)
                sil_code, sil_name = rng.choice(SILHOUETTES)
                tier = rng.choices(list(PriceTier), weights=(45, 40, 15))[0]
                low, high = {PriceTier.BUDGET: (89, 149), PriceTier.MID: (150, 299),
                             PriceTier.DESIGNER: (300, 699)}[tier]
                msrp = Decimal(rng.randint(low, high)) - Decimal("0.01")
                msrp = max(msrp, Decimal(low))
                code = f"{prefix}-{sil_code}-{number}"
                style = Style(code=code, brand=brand, name=f"{name} {sil_name}",
                              silhouette=sil_name, msrp=money(msrp), price_tier=tier,
                              clearance=rng.random() < 0.12)
                styles.append(style)
                # What a dress cost us (the catalogue import's SKU, Cost): about a third
                # of its MSRP; lot manifests total it.
                cost = money((msrp * Decimal("0.34")).quantize(Decimal("0.01")))
                for col_code, col_name in rng.sample(COLOURS, rng.randint(3, 5)):
                    for size in US_SIZES:
                        products.append(Product(sku=f"{code}-{col_code}-{size}", style=style,
                                                colour=col_name, size=size, cost=cost,
                                                stock=rng.choice((0, 0, 1, 2, 3, 5, 8, 12))))
        self.s.add_all(styles)
        self.s.add_all(products)
        return styles, products

    def _customers(self, n: int) -> list[Customer]:
        rng = self.rng
        customers = []
        for i in range(n):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            tier = rng.choices(list(CustomerTier), weights=(85, 10, 5))[0]
            customers.append(Customer(
                name=f"{first} {last}", email=f"{first}.{last}{i}@example.com".lower(),
                phone=f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                postal_code=f"{rng.randint(10000, 99950)}", tier=tier))
        self.s.add_all(customers)
        return customers

    def _orders(self, n: int, customers: list[Customer], products: list[Product]) -> list[Order]:
        rng = self.rng
        orders = []
        seq = {Brand.KISSPROM: 10000, Brand.STACEES: 50000}
        by_brand = {b: [p for p in products if p.style.brand is b] for b in Brand}
        for _ in range(n):
            brand = rng.choices(list(Brand), weights=(60, 40))[0]
            seq[brand] += 1
            customer = rng.choice(customers)
            placed = self.noon - dt.timedelta(days=rng.randint(0, 60),
                                              minutes=rng.randint(0, 700))
            delivered = placed.date() + dt.timedelta(days=rng.randint(3, 7))
            lines = []
            for line_no in range(1, rng.choices((1, 2, 3), weights=(70, 22, 8))[0] + 1):
                product = rng.choice(by_brand[brand])
                style = product.style
                if style.clearance:
                    paid = money(style.msrp * Decimal(rng.choice(("0.40", "0.45", "0.50"))))
                else:
                    off = Decimal(rng.choice((0, 0, 0, 10, 15, 20))) / 100
                    paid = money(style.msrp * (1 - off))
                lines.append(OrderLine(
                    line_no=line_no, product=product, sku=product.sku,
                    description=f"{style.name}, {product.colour}, US {product.size}",
                    quantity=1, unit_price_paid=paid, msrp=style.msrp,
                    unit_tax=money(paid * TAX_RATE), price_total=paid,
                    tax_total=money(paid * TAX_RATE),
                    clearance=style.clearance or paid <= style.msrp / 2))
            subtotal = sum((ln.unit_price_paid for ln in lines), Decimal("0"))
            orders.append(Order(
                number=order_number(brand, seq[brand]), brand=brand, customer=customer,
                placed_at=placed, delivered_on=delivered if delivered <= self.today else None,
                customer_tier=customer.tier, subtotal=money(subtotal),
                shipping_paid=money("0.00" if subtotal >= 150 else rng.choice(("6.95", "12.95"))),
                tax_total=money(sum((ln.unit_tax for ln in lines), Decimal("0"))), lines=lines))
        self.s.add_all(orders)
        self.s.flush()
        return orders

    def _rmas(self, orders: list[Order]) -> tuple[int, int]:
        rng = self.rng
        seq = 0
        n_items = 0
        delivered = [o for o in orders if o.delivered_on is not None]
        # About a fifth of all orders, and a few expensive ones so refunds over $250 appear.
        share = 0.2 * len(orders) / max(1, len(delivered))
        chosen = [o for o in delivered if rng.random() < share]
        chosen_ids = {o.number for o in chosen}
        pricey = [o for o in delivered if o.subtotal > 250 and o.number not in chosen_ids][:3]
        pricey_ids = {o.number for o in pricey}
        chosen += pricey
        chosen.sort(key=lambda o: (o.delivered_on, o.number))
        for order in chosen:
            seq += 1
            assert order.delivered_on is not None
            created = dt.datetime.combine(
                order.delivered_on + dt.timedelta(days=rng.randint(0, 8)), dt.time(15, 0),
                tzinfo=dt.UTC)
            created = min(created, self.noon)
            carrier = rng.choice(list(Carrier))
            shipped = created.date() + dt.timedelta(days=rng.randint(0, 4))
            shipped_on = shipped if shipped <= self.today and rng.random() < 0.75 else None
            rma = ReturnAuthorization(
                number=rma_number(created.year, seq), order=order, carrier=carrier,
                tracking_number=make_tracking_number(carrier, rng), created_at=created,
                shipped_by_customer_on=shipped_on,
                status=RmaStatus.IN_TRANSIT if shipped_on else RmaStatus.AUTHORIZED)
            lines = order.lines if order.number in pricey_ids else rng.sample(
                order.lines, rng.randint(1, len(order.lines)))
            for unit_no, line in enumerate(sorted(lines, key=lambda ln: ln.line_no), start=1):
                reason = rng.choices([r for r, _ in REASONS], weights=[w for _, w in REASONS])[0]
                requested, exchange_size = self._request(reason, line)
                rma.items.append(ReturnItem(
                    unit_no=unit_no, order_line_id=line.id, reason=reason, requested=requested,
                    exchange_size=exchange_size, reception_status=ReceptionStatus.AWAITING,
                    decision_status=DecisionStatus.PENDING))
                n_items += 1
            self.s.add(rma)
        return seq, n_items

    def _request(
        self, reason: ReturnReason, line: OrderLine
    ) -> tuple[RequestedResolution, str | None]:
        rng = self.rng
        if reason in (ReturnReason.QUALITY_DEFECT, ReturnReason.SHIPPING_DAMAGE):
            return rng.choice((RequestedResolution.REFUND, RequestedResolution.REPLACEMENT,
                               RequestedResolution.REPAIR_CREDIT)), None
        if reason is ReturnReason.SIZING and rng.random() < 0.5:
            size = int(line.sku.rsplit("-", 1)[1])
            new = size + 2 if size == 0 else size - 2 if size == 26 else size + rng.choice((-2, 2))
            return RequestedResolution.EXCHANGE, str(new)
        return RequestedResolution.REFUND, None
