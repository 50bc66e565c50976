"""The read-only checks: the audit log's chain and seals (audit verify) and the money
ledger (ledger check). Each exits 1 with what it found broken."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING

from app.cli.common import print_json, say
from app.config import load_settings
from app.errors import BadInput, ReturnBenchError, UsageError

if TYPE_CHECKING:
    from app.bootstrap import Services


def cmd_audit(services: Services, args: argparse.Namespace) -> int:
    if args.audit_command != "verify":
        raise UsageError("audit: choose an action: verify")
    from app import audit
    from app.anchors import parse_head, read_anchors
    from app.services.uow import UnitOfWork

    expect: list[tuple[str, int, str]] = []
    if args.expect_head:
        seq, digest = parse_head(args.expect_head)
        expect.append(("the expected head", seq, digest))
    if args.anchors is not None:
        found = read_anchors(args.anchors)
        if not found:
            raise BadInput(f"--anchors {args.anchors}: no export batch or authorization log "
                           "with an audit head in it")
        expect += found
    with UnitOfWork(services.session_factory) as uow:
        result = audit.verify(uow.session, expect)
    print_json({**dataclasses.asdict(result), "anchors": len(expect)})
    if not result.ok:
        print(f"error: audit log broken: {result.message}", file=sys.stderr)
        return 1
    say(f"{result.message[:1].upper()}{result.message[1:]}.")
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    """Read-only, so it opens the database itself (no upgrade, no station): exit 2 when
    the check cannot run, 1 with the breaches."""
    from app.services.ledger import check_database

    try:
        report = check_database(load_settings(args.db, args.station).db_url, args.outbox)
    except ReturnBenchError as exc:
        print(f"error: ledger check cannot run: {exc.message}", file=sys.stderr)
        return 2
    print_json(report.as_json())
    if not report.ok:
        print(f"error: ledger check: {report.summary()}", file=sys.stderr)
        return 1
    say(f"Ledger check: {report.summary()}.")
    return 0
