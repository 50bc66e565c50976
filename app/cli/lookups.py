"""Commands that read and answer: what a code finds (lookup, where), the policy's
decision for a case (decide), the barcodes in images (decode). They sign nobody in."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import print_json
from app.errors import ReturnBenchError

if TYPE_CHECKING:
    from app.bootstrap import Services
    from app.config import Settings


def cmd_lookup(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when the code is recognised (a known format with a valid check digit),
    whether or not a return matches; 3 when it is not. Opens the database and the one
    service it reads (not bootstrap's every service: a process of 0.6 s, not 1.0 s)."""
    from app.clock import SystemClock
    from app.database import open_database
    from app.services.lookup import LookupService
    from models.db import make_session_factory

    engine, _offline = open_database(settings)
    try:
        result = LookupService(make_session_factory(engine), SystemClock()).lookup(args.code)
    finally:
        engine.dispose()
    view = result.view
    print_json({
        "input": args.code,
        "candidates": [{"kind": c.kind, "value": c.value, "check_digit_ok": c.check_digit_ok}
                       for c in result.scan.candidates],
        "match": None if view is None else {
            "rma": view.rma_number, "order": view.order_number, "matched_by": view.matched_by,
            "customer": view.customer_name, "status": view.rma_status,
            "items": len(view.items)},
    })
    if not result.scan.recognised:
        print(f"error: {result.problem}", file=sys.stderr)
        return 3
    return 0


def cmd_where(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 with the story of the code; 3 when nothing has that code; 2 when it is no
    code of ours."""
    found = services.putaway.where(args.code)
    print_json({"kind": found.kind, "code": found.code, "now": found.now,
                **found.details,
                "moves": [{"at": m.at.isoformat(), "item": m.item, "from": m.from_place,
                           "to": m.to_place, "by": m.by} for m in found.moves]})
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from app.policy.contract import decide_file  # the policy engine: for this command only

    print_json(decide_file(args.case, args.policy))
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    """Exit 0 when every image was read and held a barcode; 3 when none held one;
    1 when an image could not be read (the others are still reported)."""
    from app.scanning.images import decode, load_image

    report: list[dict[str, Any]] = []
    unreadable = found = 0
    for path in args.images:
        try:
            barcodes = decode(load_image(path), camera=args.camera)
        except ReturnBenchError as exc:
            unreadable += 1
            report.append({"image": str(path), "barcodes": [], "error": exc.message})
            continue
        found += bool(barcodes)
        report.append({"image": str(path), "error": None, "barcodes": [
            {"text": b.text, "format": b.format, "position": [list(p) for p in b.position],
             "candidates": [{"kind": c.kind, "value": c.value,
                             "check_digit_ok": c.check_digit_ok} for c in b.scan.candidates]}
            for b in barcodes]})
    print_json(report)
    if unreadable:
        print(f"error: {unreadable} image(s) could not be read", file=sys.stderr)
        return 1
    if not found:
        print("error: no barcode found", file=sys.stderr)
        return 3
    return 0
