"""The database refuses what must never be (migration 0014), on SQLite and PostgreSQL:
each bad row is inserted directly (SQL, past the services and the models' types) and the
database's IntegrityError names the rule it broke; the same row made right goes in."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    CheckConstraint,
    Engine,
    MetaData,
    Table,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Brand,
    Carrier,
    CarrierClaimStatus,
    CustomerTier,
    DamageSeverity,
    DecisionStatus,
    Disposition,
    Grade,
    LabelKind,
    PriceTier,
    PrintJobStatus,
    ReceptionStatus,
    RequestedResolution,
    Resolution,
    ReturnReason,
    RmaStatus,
    Role,
    UnexpectedStatus,
)
from models import (
    Approval,
    Base,
    CalibrationAnswer,
    CalibrationItem,
    CalibrationRound,
    CarrierClaim,
    Customer,
    Decision,
    ExportBatch,
    Inspection,
    Location,
    Lot,
    OfflineConflict,
    Order,
    OrderLine,
    PolicyVersion,
    PrintJob,
    Product,
    QaSample,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    Settlement,
    Station,
    Style,
    Tote,
    UnexpectedReturn,
    User,
)
from models.db import make_engine, make_session_factory, upgrade

NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)
MONEY = {"styles": ("msrp",), "products": ("cost",),
         "orders": ("subtotal", "shipping_paid", "tax_total"),
         "order_lines": ("unit_price_paid", "msrp", "unit_tax"),
         "decisions": ("refund", "restocking_fee", "credit"), "approvals": ("amount",),
         "carrier_claims": ("declared_value",), "lots": ("price",)}
STATUS = {"totes": ("status", "disposition", "brand"), "lots": ("kind", "status"),
          "locations": ("kind",),
          "qa_samples": ("status", "why", "first_grade", "second_grade", "outcome_after"),
          "calibration_items": ("agreed_grade",), "calibration_answers": ("grade",),
          "settlements": ("kind",), "offline_conflicts": ("settlement",),
          "print_jobs": ("format",)}


class World:
    """One row of every table the rules are about, in the test's rolled-back transaction;
    `like` inserts a copy of one with some columns changed, by plain SQL."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.ids: dict[str, int] = {}
        self.copies = 0
        self._tables: dict[str, Table] = {}

    def like(self, table: str, **changes: Any) -> int:
        t = self._tables.get(table)
        if t is None:
            t = self._tables[table] = Table(table, MetaData(),
                                            autoload_with=self.s.connection())
        row = dict(self.s.execute(select(t).where(t.c.id == self.ids[table]))
                   .mappings().one())
        del row["id"]
        row.update(changes)
        return int(self.s.execute(insert(t).values(**row).returning(t.c.id)).scalar_one())

    def refused(self, rule: str, table: str, **changes: Any) -> None:
        """The copy is refused by `rule` (a constraint or index name; SQLite names the
        columns of a unique index and no foreign key)."""
        with pytest.raises(IntegrityError) as caught, self.s.begin_nested():
            self.like(table, **changes)
        message = str(caught.value.orig)
        if self.s.get_bind().dialect.name == "postgresql":
            assert rule in message, message
        elif rule.startswith("ck_"):
            assert f"CHECK constraint failed: {rule}" in message, message
        elif rule.startswith("fk_"):
            assert "FOREIGN KEY constraint failed" in message, message
        else:
            assert "UNIQUE constraint failed" in message, message

    def accepted(self, table: str, **changes: Any) -> int:
        with self.s.begin_nested():
            return self.like(table, **changes)


def _build(s: Session) -> dict[str, int]:
    zero = Decimal("0.00")
    user = User(username="ck", display_name="Ck", role=Role.SUPERVISOR, pin_hash="x",
                created_at=NOW)
    station = Station(name="CK-BENCH")
    style = Style(code="CK-1", brand=Brand.KISSPROM, name="Gown", silhouette="A-line",
                  msrp=Decimal("200.00"), price_tier=PriceTier.MID)
    product = Product(sku="CK-1-RED-8", style=style, colour="red", size="8",
                      cost=Decimal("50.00"))
    customer = Customer(name="C", email="c@example.com", postal_code="10001",
                        tier=CustomerTier.STANDARD)
    order = Order(number="CK-ORDER-1", brand=Brand.KISSPROM, customer=customer,
                  placed_at=NOW, customer_tier=CustomerTier.STANDARD,
                  subtotal=Decimal("400.00"), shipping_paid=zero, tax_total=zero)
    line = OrderLine(order=order, line_no=1, product=product, sku=product.sku,
                     description="Gown", quantity=2, unit_price_paid=Decimal("200.00"),
                     msrp=Decimal("200.00"), unit_tax=zero)
    rma = ReturnAuthorization(number="RMA-CK-1", order=order, carrier=Carrier.UPS,
                              tracking_number="1Z999", created_at=NOW,
                              status=RmaStatus.RECEIVED)
    items = [ReturnItem(rma=rma, unit_no=n, order_line=line, reason=ReturnReason.SIZING,
                        requested=RequestedResolution.REFUND,
                        reception_status=ReceptionStatus.RECEIVED,
                        decision_status=DecisionStatus.DECIDED, line_unit=n)
             for n in (1, 2)]
    policy = PolicyVersion(sha256="c" * 64, policy_id="ck", version="1", content="",
                           first_used_at=NOW)
    s.add_all([user, station, line, *items, policy])
    s.flush()
    inspection = Inspection(item=items[0], damage_severity=DamageSeverity.NONE,
                            inspector_id=user.id, station_id=station.id, started_at=NOW)
    s.add(inspection)
    decisions = [Decision(item=it, resolution=Resolution.REFUND, refund=Decimal("190.00"),
                          restocking_fee=Decimal("10.00"), credit=zero,
                          disposition=Disposition.RESTOCK, policy_id="ck", policy_version="1",
                          policy_sha256=policy.sha256, case={}, trace=[], decided_at=NOW,
                          superseded=False) for it in items]
    s.add_all(decisions)
    s.flush()
    approval = Approval(rma_id=rma.id, decision_id=decisions[0].id, kind=ApprovalKind.HOLD,
                        level=ApprovalLevel.SUPERVISOR, amount=zero, reason="r",
                        status=ApprovalStatus.PENDING, requested_by_id=user.id,
                        requested_at=NOW, station_id=station.id)
    batch = ExportBatch(created_at=NOW, decisions=1, csv_name="x.csv")
    claim = CarrierClaim(rma_id=rma.id, return_item_id=items[0].id, carrier=Carrier.UPS,
                         tracking_number="1Z999", declared_value=Decimal("190.00"),
                         status=CarrierClaimStatus.OPEN, opened_by_id=user.id,
                         opened_at=NOW)
    lot = Lot(code="LOT-CK", kind="liquidation", status="open", price=zero,
              created_at=NOW, created_by_id=user.id)
    location = Location(code="CK-LOC", name="Shelf", kind="restock", takes=["restock"],
                        capacity=10)
    tote = Tote(code="TO-CK", status="open", disposition="restock", brand="kissprom",
                capacity=10, created_at=NOW)
    sample = QaSample(return_item_id=items[0].id, decision_id=decisions[0].id,
                      inspector_id=user.id, first_grade="A", why="share", rate_percent=5,
                      sampled_at=NOW, due_on=NOW.date(), status="waiting",
                      second_grade="A", outcome_after="refund")
    reference = CalibrationItem(return_item_id=items[0].id, agreed_grade="B",
                                added_by_id=user.id, added_at=NOW)
    round_ = CalibrationRound(user_id=user.id, started_at=NOW, order=[])
    conflict = OfflineConflict(entry_key="ck-1", station="CK-BENCH", username="ck",
                               kind="accept", happened_at=NOW, found_at=NOW, reason="r",
                               bench_version={}, server_version={}, settlement="server")
    job = PrintJob(kind=LabelKind.ITEM, format="pdf", payload=b"", printer="p",
                   status=PrintJobStatus.QUEUED, station_id=station.id, created_at=NOW)
    s.add_all([approval, batch, claim, lot, location, tote, sample, reference, round_,
               conflict, job])
    s.flush()
    answer = CalibrationAnswer(round_id=round_.id, item_id=reference.id, grade="B",
                               answered_at=NOW)
    settlement = Settlement(batch_id=batch.id, decision_id=decisions[0].id,
                            kind="settlement", unit_key=f"line{line.id}-unit1", revision=1,
                            idempotency_key=f"returnbench-line{line.id}-unit1-r1")
    receipt = Receipt(rma_id=None, scanned_code="1Z-CK", received_at=NOW, user_id=user.id,
                      station_id=station.id)
    s.add_all([answer, settlement, receipt])
    s.flush()
    unexpected = UnexpectedReturn(receipt_id=receipt.id, received_at=NOW, description="Gown",
                                  grade=Grade.B, form={}, status=UnexpectedStatus.HELD)
    s.add(unexpected)
    s.flush()
    rows: list[Any] = [style, product, order, line, items[0], decisions[0], approval,
                       claim, lot, location, tote, sample, reference, answer, conflict, job,
                       settlement, receipt, unexpected, rma]
    ids = {type(r).__tablename__: r.id for r in rows}
    ids |= {"other_item": items[1].id, "other_decision": decisions[1].id,
            "user": user.id}
    return ids


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> Iterator[World]:
    with session_factory() as s:
        w = World(s)
        w.ids = _build(s)
        yield w


def test_checks_and_partial_indexes_match_the_models(engine: Engine) -> None:
    """Every CHECK of the models is in the database, by name, and the partial unique
    indexes keep their WHERE (the schema comparison looks at neither)."""
    found = inspect(engine)
    for model_table in Base.metadata.sorted_tables:
        want = {str(c.name) for c in model_table.constraints
                if isinstance(c, CheckConstraint)}
        assert {c["name"] for c in found.get_check_constraints(model_table.name)} == \
            want, model_table.name
    partial = {"decisions": "uq_decisions_live_return_item_id",
               "return_items": "uq_return_items_unit_bought",
               "settlements": "uq_settlements_live_unit_key"}
    for table, name in partial.items():
        index = next(i for i in found.get_indexes(table) if i["name"] == name)
        assert index["unique"]
        where = index.get("dialect_options", {})
        assert any(k.endswith("_where") for k in where), (table, index)


def test_one_live_decision_per_returned_unit(world: World) -> None:
    world.refused("uq_decisions_live_return_item_id", "decisions")
    world.accepted("decisions", superseded=True)  # the history of a unit is kept


def test_one_live_return_item_per_unit_bought(world: World) -> None:
    world.refused("uq_return_items_unit_bought", "return_items", unit_no=3)
    world.accepted("return_items", unit_no=3, line_unit=None)  # freed, or not decided


def test_one_unreversed_settlement_per_unit_key(world: World) -> None:
    s, ids = world.s, world.ids
    again = {"decision_id": ids["other_decision"], "idempotency_key": "returnbench-r2"}
    world.refused("uq_settlements_live_unit_key", "settlements", **again)
    world.refused("ck_settlements_reversal_not_reversed", "settlements", kind="reversal",
                  idempotency_key="rev", reversed_by_id=ids["settlements"])
    reversal = world.accepted("settlements", kind="reversal", idempotency_key="rev")
    s.execute(update(Settlement).where(Settlement.id == ids["settlements"])
              .values(reversed_by_id=reversal))
    world.accepted("settlements", **again, revision=2)  # reversed, then settled again
    world.refused("fk_settlements_reversed_by_id_settlements", "settlements",
                  decision_id=world.like("decisions", superseded=True),
                  idempotency_key="r3", reversed_by_id=10**9)


def test_one_carrier_claim_per_damaged_unit(world: World) -> None:
    world.refused("uq_carrier_claims_return_item_id", "carrier_claims")
    world.accepted("carrier_claims", return_item_id=world.ids["other_item"])
    world.accepted("carrier_claims", return_item_id=None)  # opened before 0014


def test_a_decision_waits_for_an_approval_that_exists(world: World) -> None:
    world.refused("fk_decisions_approval_id_approvals", "decisions", superseded=True,
                  approval_id=10**9)
    world.accepted("decisions", superseded=True, approval_id=world.ids["approvals"])


def test_an_unexpected_returns_status_and_answer_agree(world: World) -> None:
    """Held: nobody answered and it is no return; linked: who, when, and the return it
    became (once); sent back: who and when, and no return."""
    user, rma = world.ids["user"], world.ids["return_authorizations"]
    answered = {"answered_at": NOW, "answered_by_id": user}

    def parcel() -> dict[str, Any]:  # a receipt of its own: one row per parcel
        return {"receipt_id": world.like("receipts")}

    world.refused("uq_unexpected_returns_receipt_id", "unexpected_returns")
    world.refused("ck_unexpected_returns_answer", "unexpected_returns", **parcel(),
                  status="linked", **answered)
    world.refused("ck_unexpected_returns_answer", "unexpected_returns", **parcel(),
                  status="linked", rma_id=rma)
    world.refused("ck_unexpected_returns_answer", "unexpected_returns", **parcel(),
                  status="sent_back", **answered, rma_id=rma)
    world.refused("ck_unexpected_returns_answer", "unexpected_returns", **parcel(),
                  status="held", **answered)
    world.refused("ck_unexpected_returns_description", "unexpected_returns", **parcel(),
                  description="x")
    world.accepted("unexpected_returns", **parcel(), status="sent_back", **answered)
    world.accepted("unexpected_returns", **parcel(), status="linked", **answered,
                   rma_id=rma)
    world.refused("uq_unexpected_returns_rma_id", "unexpected_returns", **parcel(),
                  status="linked", **answered, rma_id=rma)


def _unique(world: World, table: str) -> dict[str, Any]:
    """Columns a copy of `table`'s row changes so that only the rule under test stands
    in its way (a fresh code each call)."""
    world.copies += 1
    code = f"CK-{table[:8].upper()}-{world.copies}"
    unique: dict[str, dict[str, Any]] = {
        "styles": {"code": code}, "products": {"sku": code, "colour": code},
        "orders": {"number": code}, "decisions": {"superseded": True},
        "carrier_claims": {"return_item_id": None}, "lots": {"code": code},
        "totes": {"code": code}, "locations": {"code": code},
        "qa_samples": {"decision_id": world.ids["other_decision"]},
        "calibration_items": {"return_item_id": world.ids["other_item"]},
        "offline_conflicts": {"entry_key": code},
        "settlements": {"idempotency_key": code}}
    return unique.get(table, {})


@pytest.mark.parametrize("table,column", [(t, c) for t, cs in MONEY.items() for c in cs])
def test_money_is_never_negative(world: World, table: str, column: str) -> None:
    world.refused(f"ck_{table}_{column}_not_negative", table, **_unique(world, table),
                  **{column: -1})
    world.accepted(table, **_unique(world, table), **{column: 0})


@pytest.mark.parametrize("table,column", [(t, c) for t, cs in STATUS.items() for c in cs])
def test_status_columns_hold_their_values_only(world: World, table: str, column: str
                                               ) -> None:
    changes = _unique(world, table)
    if table == "calibration_answers":  # one answer per dress and round: another round
        changes["round_id"] = world.s.execute(text(
            "INSERT INTO calibration_rounds (user_id, started_at, \"order\") "
            "SELECT user_id, started_at, \"order\" FROM calibration_rounds RETURNING id")
        ).scalar_one()
    # "z" fits every column (grades are one letter) and is no value of any of them.
    world.refused(f"ck_{table}_{column}", table, **changes, **{column: "z"})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def own_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        engine = make_engine(server.create_database(f"ck_{uuid.uuid4().hex[:12]}"))
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'ck.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _to_0013(engine: Engine) -> None:
    from alembic import command

    from models.db import alembic_config

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        with conn.begin():
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def test_the_upgrade_cleans_what_the_old_code_left_and_refuses_the_rest(
        own_engine: Engine) -> None:
    """A database from before 0014: a unit returned to the customer still holds its unit
    bought (the old code never let go), a settlement was reversed and its unit settled
    again, a carrier claim names only its RMA. The upgrade frees the unit, links the
    reversal and names the claim's unit. Two live decisions of one unit it refuses,
    changing nothing."""
    with make_session_factory(own_engine)() as s:
        ids = _build(s)
        s.commit()
    _to_0013(own_engine)
    with own_engine.begin() as conn:
        run = conn.execute
        run(text("UPDATE decisions SET resolution = 'return_to_customer' WHERE id = :d"),
            {"d": ids["other_decision"]})
        run(text("UPDATE decisions SET carrier_claim = true WHERE id = :d"),
            {"d": ids["decisions"]})
        run(text("UPDATE return_items SET line_unit = 1 WHERE id = :i"),
            {"i": ids["other_item"]})
        run(text("INSERT INTO settlements (batch_id, decision_id, kind, unit_key, revision, "
                 "idempotency_key) SELECT batch_id, decision_id, 'reversal', unit_key, "
                 "revision, idempotency_key || '-reversal' FROM settlements"))
        run(text("INSERT INTO settlements (batch_id, decision_id, kind, unit_key, revision, "
                 "idempotency_key) SELECT batch_id, :d, 'settlement', unit_key, 2, 'r2' "
                 "FROM settlements WHERE kind = 'settlement'"), {"d": ids["other_decision"]})
    upgrade(own_engine)
    with make_session_factory(own_engine)() as s:
        assert s.get_one(ReturnItem, ids["other_item"]).line_unit is None
        assert s.get_one(ReturnItem, ids["return_items"]).line_unit == 1
        first = s.get_one(Settlement, ids["settlements"])
        assert first.reversed_by_id is not None
        assert s.get_one(Settlement, first.reversed_by_id).kind == "reversal"
        assert s.get_one(CarrierClaim, ids["carrier_claims"]).return_item_id == \
            ids["return_items"]
    _to_0013(own_engine)
    with own_engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET return_item_id = :i WHERE id = :d"),
                     {"i": ids["return_items"], "d": ids["other_decision"]})
    two_live = r"uq_decisions_live_return_item_id|decisions\.return_item_id"
    with pytest.raises(IntegrityError, match=two_live):
        upgrade(own_engine)
    with own_engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0013"


def test_the_allowed_values_are_the_ones_the_app_writes() -> None:
    from app.locations import DISPOSITIONS, KINDS
    from app.services.lots import LOT_TAKES
    from app.services.offline_sync import SETTLEMENTS
    from models import checks

    assert checks.LOCATION_KINDS == KINDS
    assert checks.TOTE_DISPOSITIONS == DISPOSITIONS
    assert set(checks.LOT_KINDS) == set(LOT_TAKES)
    assert checks.OFFLINE_SETTLEMENTS == SETTLEMENTS
