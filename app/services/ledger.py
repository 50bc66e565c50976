"""The money check anyone can run (`main.py ledger check`): read-only, a few plain SQL
aggregates over the whole database (money in integer cents, as stored), proving that
what was decided and sent adds up for every order line, order, RMA, approval and export
line. Each check is one statement, so each reads one consistent state (the command line
runs them all in one REPEATABLE READ transaction on PostgreSQL).

Words used below:
- a live decision: not superseded, of a unit whose decision status is decided, awaiting
  approval or completed (outcomes.LIVE); it uses up a unit bought unless its outcome is
  FREE (return to customer, hold, photos required);
- given: what a decision pays back for the dress: its refund, plus its credit when the
  credit is store credit in place of a refund (repair and alteration credits are not a
  refund of what was paid, and the $250 test does not count them either);
- a unit's price and tax: its share of its order line's totals (`price_total`,
  `tax_total`; else the unit amounts times quantity) by largest remainder, for the unit
  of the line it took (`return_items.line_unit`), as the services price it;
- outbound shipping in a decision: what it gives beyond its unit's price and tax, when
  that is exactly the order's `shipping_paid` (the policy refunds the whole outbound
  shipping or none of it; exceptions never include it). Any other excess is an overpaid
  unit (POLICY.md: a refund never exceeds the unit's price, tax and shipping), and the
  shipping is refunded on at most one live decision per order.

Checks (the `check` of each breach): units_over_bought, line_overpaid,
unit_overpaid, shipping_twice, over_limit_without_manager, exception_not_settled,
paid_without_approval, export_unpaired, export_not_money, unit_paid_twice,
negative_money, file_mismatch."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import NoSuchTableError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Brand,
    DecisionStatus,
    Resolution,
)
from app.domain.money import format_money, from_cents
from app.errors import BadInput, DatabaseUnavailable
from app.policy.rules import Policy, load_policy
from app.services.ledger_files import Breach, check_files
from app.services.outcomes import FREE, LIVE

SETTLED = (Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.REPAIR_CREDIT,
           Resolution.ALTERATION_CREDIT, Resolution.EXCHANGE, Resolution.REPLACEMENT)
FINAL = (DecisionStatus.DECIDED, DecisionStatus.COMPLETED)


def _in(values: Iterable[Any]) -> str:
    """An SQL list of enum values (our own constants, never user input)."""
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


@dataclass(frozen=True)
class LedgerReport:
    checked: Mapping[str, int]
    breaches: tuple[Breach, ...]

    @property
    def ok(self) -> bool:
        return not self.breaches

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": dict(self.checked),
                "breaches": [b.as_json() for b in self.breaches]}

    def summary(self) -> str:
        if self.ok:
            return "ledger clean: " + ", ".join(f"{n} {k}" for k, n in self.checked.items())
        kinds = sorted({b.check for b in self.breaches})
        return (f"{len(self.breaches)} breach{'es' if len(self.breaches) != 1 else ''} "
                f"({', '.join(kinds)}); first: {self.breaches[0].detail}")


def check_ledger(s: Session, outbox: Path | None = None,
                 policies: Callable[[str], Policy] = load_policy) -> LedgerReport:
    """Every check over the database `s` reads (it writes nothing); with `outbox`, the
    export files there against the decisions they name."""
    try:
        columns = {c["name"] for c in inspect(s.connection()).get_columns("order_lines")}
    except NoSuchTableError as exc:
        raise BadInput("This database has no order lines: it is not a ReturnBench "
                       "database, or its schema was never made (run db-upgrade).") from exc
    totals = {"price_total", "tax_total"} <= columns
    thresholds = {b.value: policies(b.value).refund_threshold for b in Brand}
    ledger = _Ledger(s, totals)
    checks = [ledger.lines, ledger.shipping, lambda: ledger.over_limit(thresholds),
              ledger.exceptions, ledger.unapproved, ledger.exports, ledger.negative]
    breaches: list[Breach] = []
    for run in checks:
        breaches += run()
    checked = {"order_lines": ledger.count("order_lines"), "orders": ledger.count("orders"),
               "rmas": ledger.count("return_authorizations"),
               "decisions": ledger.count("decisions"), "approvals": ledger.count("approvals"),
               "settlements": ledger.count("settlements")}
    if outbox is not None:
        files, found = check_files(s, outbox)
        checked["outbox_files"] = files
        breaches += found
    return LedgerReport(checked, tuple(breaches))


def check_database(url: str, outbox: Path | None = None) -> LedgerReport:
    """The check on the database at `url`, opened for reading only: nothing is upgraded
    or written (a SQLite file that is not there is not made), and on PostgreSQL every
    statement reads the same snapshot (REPEATABLE READ, READ ONLY)."""
    from models.db import describe, make_engine

    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            where = engine.url.database
            if not where or where == ":memory:" or not Path(where).is_file():
                raise BadInput(f"No database at {where or url}: nothing to check.")
        else:
            engine = engine.execution_options(isolation_level="REPEATABLE READ",
                                              postgresql_readonly=True)
        with Session(engine) as s:  # never committed
            return check_ledger(s, outbox)
    except OperationalError as exc:
        why = (str(exc.orig).strip().splitlines() or ["no answer"])[0]
        raise DatabaseUnavailable(f"{describe(engine)} does not answer ({why}): check the "
                                  "connection and run the check again.") from exc
    except SQLAlchemyError as exc:
        raise BadInput(f"{describe(engine)} cannot be read as this ReturnBench's database "
                       f"({type(exc).__name__}); run db-upgrade first.") from exc
    finally:
        engine.dispose()


class _Ledger:
    def __init__(self, s: Session, totals: bool) -> None:
        self.s = s
        if totals:  # the line's exact totals (0015); a unit's share by largest remainder
            line_paid = "ol.price_total + ol.tax_total"
            share = ("({t} / NULLIF(p.quantity, 0) + CASE WHEN p.k <= {t} % "
                     "NULLIF(p.quantity, 0) THEN 1 ELSE 0 END)")
            unit_paid = share.format(t="p.price_total") + " + " + share.format(t="p.tax_total")
            line_columns = "ol.price_total, ol.tax_total"
        else:
            line_paid = "(ol.unit_price_paid + ol.unit_tax) * ol.quantity"
            unit_paid = "p.unit_price_paid + p.unit_tax"
            line_columns = "ol.unit_price_paid, ol.unit_tax"
        self.live = f"""
            SELECT d.id AS decision_id, d.resolution, ri.id AS item_id, ri.unit_no,
                   ri.rma_id, ri.order_line_id, ri.line_unit, ri.decision_status,
                   r.order_id,
                   d.refund + CASE WHEN d.resolution = '{Resolution.STORE_CREDIT.value}'
                                   THEN d.credit ELSE 0 END AS given
            FROM decisions d
            JOIN return_items ri ON ri.id = d.return_item_id
            JOIN return_authorizations r ON r.id = ri.rma_id
            WHERE d.superseded = false AND ri.decision_status IN {_in(LIVE)}"""
        self.priced = f"""
            WITH live AS ({self.live}),
            lined AS (
                SELECT live.*, ol.quantity, {line_paid} AS line_paid, {line_columns},
                       o.shipping_paid, CASE WHEN live.line_unit BETWEEN 1 AND ol.quantity
                                             THEN live.line_unit ELSE 1 END AS k
                FROM live JOIN order_lines ol ON ol.id = live.order_line_id
                JOIN orders o ON o.id = live.order_id),
            unit AS (SELECT p.*, {unit_paid} AS unit_paid FROM lined p),
            priced AS (
                SELECT u.*, CASE WHEN u.given > u.unit_paid
                                  AND u.given - u.unit_paid = u.shipping_paid
                                 THEN u.shipping_paid ELSE 0 END AS shipping
                FROM unit u)"""

    def rows(self, sql: str, **params: Any) -> list[Any]:
        return list(self.s.execute(text(sql), params))

    def count(self, table: str) -> int:
        return int(self.s.scalar(text(f"SELECT count(*) FROM {table}")) or 0)

    def lines(self) -> list[Breach]:
        """Per order line, across all its RMAs: units taken at most as bought; what was
        given for its units, outbound shipping apart, at most what the line paid with
        its tax."""
        out = []
        for line_id, sku, order, bought, paid, taken, kept in self.rows(f"""
                {self.priced}
                SELECT p.order_line_id, ol.sku, o.number, p.quantity, p.line_paid,
                       SUM(CASE WHEN p.resolution NOT IN {_in(FREE)} THEN 1 ELSE 0 END),
                       SUM(p.given - p.shipping)
                FROM priced p JOIN order_lines ol ON ol.id = p.order_line_id
                JOIN orders o ON o.id = ol.order_id
                GROUP BY p.order_line_id, ol.sku, o.number, p.quantity, p.line_paid
                HAVING SUM(CASE WHEN p.resolution NOT IN {_in(FREE)} THEN 1 ELSE 0 END)
                       > p.quantity
                    OR SUM(p.given - p.shipping) > p.line_paid
                ORDER BY p.order_line_id"""):
            refs = {"order": order, "order_line": line_id, "sku": sku}
            if taken > bought:
                out.append(Breach("units_over_bought", f"order {order} line {sku} bought "
                                  f"{bought} and {taken} units of it are decided", refs))
            if kept is not None and paid is not None and kept > paid:
                out.append(Breach("line_overpaid", f"order {order} line {sku} paid "
                                  f"{_money(paid)} with its tax and its units were given "
                                  f"{_money(kept)} (outbound shipping apart)", refs))
        return out

    def shipping(self) -> list[Breach]:
        """What a decision gives beyond its unit's price and tax is the order's whole
        outbound shipping (else the unit is overpaid), on one live decision of the order
        at most."""
        out = []
        by_order: dict[str, list[int]] = {}
        for decision_id, order, rma, unit_no, paid, extra in self.rows(f"""
                {self.priced}
                SELECT p.decision_id, o.number, r.number, p.unit_no, o.shipping_paid,
                       p.given - p.unit_paid
                FROM priced p JOIN orders o ON o.id = p.order_id
                JOIN return_authorizations r ON r.id = p.rma_id
                WHERE p.given > p.unit_paid ORDER BY p.decision_id"""):
            refs = {"order": order, "rma": rma, "unit_no": unit_no, "decision": decision_id}
            if extra == paid:
                by_order.setdefault(order, []).append(decision_id)
            else:
                out.append(Breach("unit_overpaid", f"decision #{decision_id} (item "
                                  f"{unit_no} of {rma}) gives {_money(extra)} beyond its "
                                  f"unit's price and tax, which is not order {order}'s "
                                  f"outbound shipping ({_money(paid)})", refs))
        for order, decisions in by_order.items():
            if len(decisions) > 1:
                out.append(Breach("shipping_twice", f"order {order}'s outbound shipping is "
                                  f"refunded {len(decisions)} times (decisions "
                                  f"{', '.join(f'#{d}' for d in decisions)})",
                                  {"order": order, "decisions": decisions}))
        return out

    def over_limit(self, thresholds: Mapping[str, Decimal]) -> list[Breach]:
        """An RMA whose final refunds and store credit are over its brand's threshold has
        a manager's answer: an approval of level manager on it, or a manager's denial
        that chose what each of its paying decisions gives instead (their trace names
        that answer)."""
        limit = " ".join(f"WHEN '{b}' THEN {int(v * 100)}" for b, v in thresholds.items())
        out = []
        for rma_id, rma, brand, total in self.rows(f"""
                WITH live AS ({self.live})
                SELECT t.rma_id, r.number, o.brand, t.total FROM (
                    SELECT rma_id, SUM(given) AS total FROM live
                    WHERE decision_status IN {_in(FINAL)} GROUP BY rma_id) t
                JOIN return_authorizations r ON r.id = t.rma_id
                JOIN orders o ON o.id = r.order_id
                WHERE t.total > CASE o.brand {limit} END
                  AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.rma_id = t.rma_id
                      AND a.status = '{ApprovalStatus.APPROVED.value}'
                      AND a.level = '{ApprovalLevel.MANAGER.value}')
                ORDER BY r.number"""):
            if not self._denial_chose(rma_id):
                out.append(Breach("over_limit_without_manager", f"{rma} gives "
                                  f"{_money(total)} in refunds and store credit, over "
                                  f"{format_money(thresholds[brand])}, with no manager's "
                                  "approval", {"rma": rma}))
        return out

    def _denial_chose(self, rma_id: int) -> bool:
        """Every paying final decision of the RMA is what a manager's denial gave."""
        denied = {a for (a,) in self.rows(f"""
            SELECT id FROM approvals WHERE rma_id = :rma
              AND status = '{ApprovalStatus.DENIED.value}'
              AND level = '{ApprovalLevel.MANAGER.value}'""", rma=rma_id)}
        if not denied:
            return False
        paying = self.rows(f"""
            WITH live AS ({self.live})
            SELECT d.trace FROM live JOIN decisions d ON d.id = live.decision_id
            WHERE live.rma_id = :rma AND live.given > 0
              AND live.decision_status IN {_in(FINAL)}""", rma=rma_id)
        return all(any(step.get("approval") in denied for step in _steps(trace))
                   for (trace,) in paying)

    def exceptions(self) -> list[Breach]:
        """An approved policy exception (the unit's last request) is settled, or its
        unit is decided and waiting for the export."""
        out = []
        for approval, rma, unit_no, status, decision, exported in self.rows(f"""
                SELECT a.id, r.number, ri.unit_no, ri.decision_status, d.id, e.decision_id
                FROM approvals a JOIN return_items ri ON ri.id = a.return_item_id
                JOIN return_authorizations r ON r.id = ri.rma_id
                LEFT JOIN decisions d ON d.return_item_id = ri.id AND d.superseded = false
                LEFT JOIN exported_decisions e ON e.decision_id = d.id
                WHERE a.kind = '{ApprovalKind.POLICY_EXCEPTION.value}'
                  AND a.status = '{ApprovalStatus.APPROVED.value}'
                  AND NOT EXISTS (SELECT 1 FROM approvals later
                      WHERE later.rma_id = a.rma_id AND later.id > a.id
                        AND (later.return_item_id = a.return_item_id
                             OR later.return_item_id IS NULL))
                ORDER BY a.id"""):
            refs = {"approval": approval, "rma": rma, "unit_no": unit_no}
            where = f"approved exception #{approval} (item {unit_no} of {rma})"
            if decision is None:
                out.append(Breach("exception_not_settled", f"{where}: the unit has no "
                                  "decision in force", refs))
            elif status == DecisionStatus.COMPLETED.value and exported is None:
                out.append(Breach("exception_not_settled", f"{where}: the unit is "
                                  f"completed but decision #{decision} never went out",
                                  {**refs, "decision": decision}))
            elif status not in (DecisionStatus.COMPLETED.value, DecisionStatus.DECIDED.value):
                out.append(Breach("exception_not_settled", f"{where}: the unit is "
                                  f"{status.replace('_', ' ')}, neither settled nor "
                                  "waiting for the export", {**refs, "decision": decision}))
        return out

    def unapproved(self) -> list[Breach]:
        """No decision that needed an approval went out without one approving it (a
        denied one, or none yet): its trace carries the approval's "approved" step."""
        out = []
        for settlement, batch, decision, trace, rma_id, item_id, rma, unit_no in self.rows("""
                SELECT s.id, s.batch_id, d.id, d.trace, ri.rma_id, ri.id, r.number,
                       ri.unit_no
                FROM settlements s JOIN decisions d ON d.id = s.decision_id
                JOIN return_items ri ON ri.id = d.return_item_id
                JOIN return_authorizations r ON r.id = ri.rma_id
                WHERE s.kind = 'settlement' AND d.approval_level IS NOT NULL
                ORDER BY s.id"""):
            if any(step.get("rule") == "approved" for step in _steps(trace)):
                continue
            denied = [a for (a,) in self.rows(f"""
                SELECT id FROM approvals WHERE rma_id = :rma
                  AND status = '{ApprovalStatus.DENIED.value}'
                  AND (return_item_id = :item OR return_item_id IS NULL) ORDER BY id""",
                rma=rma_id, item=item_id)]
            why = (f"approval #{denied[-1]} denied it" if denied
                   else "no approval approves it")
            out.append(Breach("paid_without_approval", f"decision #{decision} (item "
                              f"{unit_no} of {rma}) needed an approval, {why}, and it went "
                              f"out in batch {batch} (settlement #{settlement})",
                              {"rma": rma, "unit_no": unit_no, "decision": decision,
                               "settlement": settlement, "batch": batch,
                               "approval": denied[-1] if denied else None}))
        return out

    def exports(self) -> list[Breach]:
        """Every export line: a settlement with its exported-decision row (same batch)
        and the reverse, of a decision that settles something; a unit bought paid once
        (settlements less reversals per unit key)."""
        out = []
        for settlement, decision, batch, other in self.rows("""
                SELECT s.id, s.decision_id, s.batch_id, e.batch_id FROM settlements s
                LEFT JOIN exported_decisions e ON e.decision_id = s.decision_id
                WHERE s.kind = 'settlement'
                  AND (e.decision_id IS NULL OR e.batch_id <> s.batch_id) ORDER BY s.id"""):
            out.append(Breach("export_unpaired", f"settlement #{settlement} of decision "
                              f"#{decision} (batch {batch}) has "
                              + ("no exported_decisions row" if other is None else
                                 f"its exported_decisions row in batch {other}"),
                              {"settlement": settlement, "decision": decision,
                               "batch": batch}))
        for decision, batch in self.rows("""
                SELECT e.decision_id, e.batch_id FROM exported_decisions e
                WHERE NOT EXISTS (SELECT 1 FROM settlements s
                    WHERE s.decision_id = e.decision_id AND s.kind = 'settlement')
                ORDER BY e.decision_id"""):
            out.append(Breach("export_unpaired", f"decision #{decision} is exported in "
                              f"batch {batch} with no settlement line",
                              {"decision": decision, "batch": batch}))
        for settlement, decision, resolution in self.rows(f"""
                SELECT s.id, d.id, d.resolution FROM settlements s
                JOIN decisions d ON d.id = s.decision_id
                WHERE d.resolution NOT IN {_in(SETTLED)} ORDER BY s.id"""):
            out.append(Breach("export_not_money", f"settlement #{settlement} sends decision "
                              f"#{decision}, a {resolution.replace('_', ' ')}, which settles "
                              "nothing", {"settlement": settlement, "decision": decision}))
        for key, paid in self.rows("""
                SELECT unit_key, SUM(CASE WHEN kind = 'settlement' THEN 1 ELSE -1 END)
                FROM settlements GROUP BY unit_key
                HAVING SUM(CASE WHEN kind = 'settlement' THEN 1 ELSE -1 END) > 1
                ORDER BY unit_key"""):
            out.append(Breach("unit_paid_twice", f"unit {key} has {paid} settlements not "
                              "reversed", {"unit_key": key}))
        return out

    def negative(self) -> list[Breach]:
        return [Breach("negative_money", f"decision #{d} has a negative amount",
                       {"decision": d}) for (d,) in self.rows(
            "SELECT id FROM decisions WHERE refund < 0 OR credit < 0 OR restocking_fee < 0 "
            "ORDER BY id")]


def _steps(trace: Any) -> list[dict[str, Any]]:
    """A decision's trace as read by plain SQL (text on SQLite, parsed on PostgreSQL)."""
    steps = json.loads(trace) if isinstance(trace, str) else trace or []
    return [step for step in steps if isinstance(step, dict)]


def _money(cents: Any) -> str:
    return format_money(from_cents(int(cents)))
