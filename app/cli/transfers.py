"""Data in and out of the warehouse: orders, RMAs and SKU costs imported all or nothing,
decided refunds and exchanges exported to the shop's outbox, each once."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.common import operator, print_json, say
from app.domain.enums import Brand
from app.files import read_input

if TYPE_CHECKING:
    from app.bootstrap import Services
    from app.services.imports import ImportReport


def _print_import(report: ImportReport) -> int:
    """The counts and the rejected rows as JSON; the summary and every rejected row on
    stderr; exit 2 when rows were rejected (then nothing was imported)."""
    say(report.summary())
    for error in report.errors:
        print(f"  rejected {error}", file=sys.stderr)
    print_json({"kind": report.kind, "file": report.source, "imported": report.ok,
                "rows": report.rows, "new": report.new, "unchanged": report.unchanged,
                "lines": report.lines, "customers_new": report.customers_new,
                "rejected": [{"line": e.line, "reason": e.reason} for e in report.errors]})
    return 0 if report.ok else 2


def cmd_import_orders(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.IMPORT_DATA)
    brand = Brand(args.brand) if args.brand else None
    return _print_import(services.imports.import_orders(read_input(args.file), args.file.name,
                                                        user, brand=brand))


def cmd_import_rmas(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.IMPORT_DATA)
    return _print_import(services.imports.import_rmas(read_input(args.file), args.file.name,
                                                      user))


def cmd_import_costs(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.IMPORT_DATA)
    return _print_import(services.imports.import_costs(read_input(args.file), args.file.name,
                                                       user))


def cmd_export(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.EXPORT_SETTLEMENTS)
    outbox = args.outbox or services.settings.data_dir / "outbox"
    report = services.exports.export(outbox, user)
    say(report.summary())
    print_json({"outbox": str(outbox), "batches": list(report.batches),
                "decisions": report.decisions, "files": len(report.files),
                "written": [str(p) for p in report.files],
                "rewritten": [u.batch for u in report.recovered],
                "unsent": [{"batch": u.batch, "why": u.why} for u in report.in_flight]})
    return 0
