"""The headless command line: one contract for every command (DESIGN.md).

Machine-readable output on stdout, errors as one line on stderr; exit 0 on success,
2 on bad usage, 3 on "not found / not recognised", 1 on any other failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import logging
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.config import Settings, load_settings
from app.domain.enums import Brand, PhotoSlot
from app.errors import BadInput, ReturnBenchError, UsageError, exit_code, user_message
from app.files import read_input

if TYPE_CHECKING:  # the database side loads only for commands that use it
    from app.bootstrap import Services
    from app.services.imports import ImportReport

log = logging.getLogger(__name__)
USER_ENV, PIN_ENV = "RETURNBENCH_USER", "RETURNBENCH_PIN"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="returnbench",
        description="ReturnBench: the returns bench. With no command, opens the app.",
    )
    parser.add_argument("--db", metavar="URL", help="database URL (default: the embedded "
                        "SQLite database in the user data folder)")
    parser.add_argument("--station", help="this station's name (default: the host name)")
    parser.add_argument("--camera", metavar="SPEC", help="camera for scanning: a device "
                        "index (0), a folder of images, or a video file")
    parser.add_argument("--printer", metavar="SPEC", help="label printer: cups:QUEUE, "
                        "tcp:HOST[:PORT] (ZPL) or file:FOLDER")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser("demo-data", help="fill an empty database with deterministic demo data")
    demo.add_argument("--orders", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--today", type=dt.date.fromisoformat, default=None,
                      help="reference day, YYYY-MM-DD (default: today in the warehouse)")
    demo.add_argument("--plain", action="store_true",
                      help="orders and returns only: no 60 days of bench history")
    _add_db(demo)

    lookup = sub.add_parser("lookup", help="find the return for an RMA, order or tracking number")
    lookup.add_argument("code")
    _add_db(lookup)

    where = sub.add_parser("where", help="where an item (IT-…), tote (TO-…) or location is, "
                           "and its moves")
    where.add_argument("code")
    _add_db(where)

    dec = sub.add_parser("decide", help="the policy decision for a case (POLICY.md contract)")
    dec.add_argument("case", type=Path, metavar="CASE.json")
    dec.add_argument("--policy", metavar="ID|PATH", help="policy id or TOML file "
                     "(default: the case's \"policy\")")
    _add_db(dec)

    dec_img = sub.add_parser("decode", help="barcodes in images, each classified (JSON)")
    dec_img.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    dec_img.add_argument("--camera", action="store_true",
                         help="treat as camera frames (sharpen first)")
    _add_db(dec_img)

    aud = sub.add_parser("audit", help="audit log tools")
    aud_sub = aud.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=_Parser)
    verify = aud_sub.add_parser("verify", help="check the audit log's hash chain, the rows' "
                                "seals, and the chain against heads kept elsewhere")
    verify.add_argument("--expect-head", metavar="SEQ:HASH", default=None,
                        help="a head recorded elsewhere (e.g. printed on a document)")
    verify.add_argument("--anchors", type=Path, metavar="DIR", default=None,
                        help="a folder of export batches and authorization logs: the heads "
                        "they carry")
    _add_db(verify)

    authlog = sub.add_parser("authlog", help="print the authorization log (PDF) for a range")
    authlog.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    authlog.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")
    authlog.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    _add_db(authlog)
    _add_user(authlog)

    lab = sub.add_parser("label", help="render an item's label to a file (PDF or ZPL)")
    lab.add_argument("rma", metavar="RMA")
    lab.add_argument("--item", type=int, default=1, metavar="N", help="unit number (1)")
    lab.add_argument("--kind", choices=("item", "tag", "exchange", "return"), required=True)
    lab.add_argument("--format", choices=("pdf", "zpl"), required=True)
    lab.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    lab.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    _add_db(lab)
    _add_user(lab)

    bad = sub.add_parser("badge", help="render a user's sign-in badge (Code128) to a file")
    bad.add_argument("username", metavar="USERNAME")
    bad.add_argument("--format", choices=("pdf", "zpl"), default="pdf")
    bad.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    bad.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    _add_db(bad)
    _add_user(bad)

    adm = sub.add_parser("create-admin", help="the first admin of an empty database (PIN "
                         "asked twice); later admins need an admin's sign-in (--user)")
    adm.add_argument("username", metavar="USERNAME")
    adm.add_argument("--name", default=None, help="name on screen (default: USERNAME)")
    _add_db(adm)
    _add_user(adm)

    upgrade = sub.add_parser("db-upgrade", help="bring the database schema up to date")
    _add_db(upgrade)
    _add_user(upgrade)

    imp = sub.add_parser("import-orders", help="import a Shopify order export, all or nothing")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--format", choices=("shopify",), required=True)
    imp.add_argument("--brand", choices=[b.value for b in Brand], default=None,
                     help="the store's brand (else from Vendor or the SKU prefix)")
    _add_db(imp)
    _add_user(imp)

    imp_rma = sub.add_parser("import-rmas", help="import return authorizations from a CSV")
    imp_rma.add_argument("file", type=Path, metavar="FILE")
    _add_db(imp_rma)
    _add_user(imp_rma)

    costs = sub.add_parser("import-costs",
                           help="import what each SKU cost (CSV: SKU, Cost), all or nothing")
    costs.add_argument("file", type=Path, metavar="FILE")
    _add_db(costs)
    _add_user(costs)

    totes = sub.add_parser("totes", help="make N new totes and print their plates (one job)")
    totes.add_argument("count", type=int)
    _add_db(totes)
    _add_user(totes)

    lot = sub.add_parser("lot", help="outbound lots: open, add a tote, close (manifest "
                         "PDF and CSV), show")
    lot.add_argument("action", choices=("open", "add", "close", "show"))
    lot.add_argument("codes", nargs="*", metavar="ARG",
                     help="open KIND (liquidation, donation, rtv); add LOT TOTE...; "
                     "close LOT; show LOT")
    lot.add_argument("--party", default="", help="close: the buyer, charity or vendor")
    lot.add_argument("--price", default=None, help="close: the price the buyer pays")
    lot.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="close/show: folder for the manifest PDF and CSV (default: data "
                     "folder/outbox)")
    _add_db(lot)
    _add_user(lot)

    qa = sub.add_parser("qa", help="grading QA: the blind re-grade queue, a re-grade, "
                        "agreement figures, the calibration set and its rounds")
    qa.add_argument("action", choices=("queue", "regrade", "agreement", "reference",
                                       "references", "retire", "rounds"))
    qa.add_argument("args", nargs="*", metavar="ARG",
                    help="regrade SAMPLE_ID GRADE; reference RMA UNIT GRADE; retire ID")
    qa.add_argument("--note", default="", help="reference: what the team agreed and why")
    qa.add_argument("--from", dest="start", type=_date, default=None)
    qa.add_argument("--to", dest="end", type=_date, default=None)
    _add_db(qa)
    _add_user(qa)

    exp = sub.add_parser("export-settlements",
                         help="write decided refunds and exchanges to the outbox, each once")
    exp.add_argument("--outbox", type=Path, default=None, metavar="DIR",
                     help="folder for the shop's back office (default: data folder/outbox)")
    _add_db(exp)
    _add_user(exp)

    rep = sub.add_parser("report", help="the returns KPI report for a date range (PDF)")
    rep.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    rep.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE",
                     help="the day after the last day reported")
    rep.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    _add_db(rep)
    _add_user(rep)
    ledger = sub.add_parser("ledger", help="the money check: read-only, JSON on stdout; "
                            "exit 0 clean, 1 with the breaches, 2 when it cannot run")
    ledger.add_argument("action", choices=("check",), help="check: every order line, "
                        "order, RMA, approval and export line against what was paid")
    ledger.add_argument("--outbox", type=Path, default=None, metavar="DIR",
                        help="also check the export files in DIR against their decisions")
    _add_db(ledger)
    off = sub.add_parser("offline", help="this bench's offline mode: its journal and local "
                         "copy (status, refresh, sync), and every bench's offline work the "
                         "server refused (conflicts, settle)")
    off.add_argument("action", choices=("status", "refresh", "sync", "conflicts", "settle"))
    off.add_argument("args", nargs="*", metavar="ARG", help="settle CONFLICT_ID server|bench")
    off.add_argument("--note", default="", help="settle: why")
    _add_db(off)
    _add_user(off)

    rep_script = sub.add_parser("replay", help="run a script of bench inputs through the "
                                "bench session (JSON lines out); see README")
    rep_script.add_argument("script", type=Path, metavar="SCRIPT")
    _add_db(rep_script)

    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


_VALUE_OPTIONS = ("--db", "--station", "--camera", "--printer")


def is_command_line(argv: Sequence[str]) -> bool:
    """True when argv names a command, asks for help, or holds any word that is not an
    option (a mistyped command is refused as a command, never opens a window)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _VALUE_OPTIONS:
            skip = True
            continue
        if arg in ("-h", "--help") or not arg.startswith("-"):
            return True
    return False


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="database URL")


def _add_user(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", metavar="NAME", default=None,
                   help=f"who runs it (default: ${USER_ENV}); the PIN is asked on the "
                   f"terminal, or read from ${PIN_ENV}; never a flag")


def run(argv: Sequence[str]) -> int:
    """Run a CLI command; returns the exit code. Never lets a traceback reach the user."""
    try:
        args = build_parser().parse_args(argv)
        if args.command in _PURE:
            return _PURE[args.command](args)
        if args.command in _ONE_SERVICE:
            return _ONE_SERVICE[args.command](
                load_settings(args.db, args.station, args.camera, args.printer), args)
        handler = _HANDLERS.get(args.command)
        if handler is None:
            raise UsageError("no command given (see --help)")
        from app.bootstrap import bootstrap

        # A script of bench inputs runs like a bench: offline on its local copy when
        # the server is away; so does the offline journal's status.
        services = bootstrap(load_settings(args.db, args.station, args.camera, args.printer),
                             allow_offline=args.command == "replay" or (
                                 args.command == "offline" and args.action == "status"))
        try:
            return handler(services, args)
        finally:
            services.dispose()
    except Exception as exc:
        if not isinstance(exc, ReturnBenchError):
            log.error("unexpected error in %s", list(argv), exc_info=exc)
        print(f"error: {user_message(exc)}", file=sys.stderr)
        return exit_code(exc)


def _read_pin(prompt: str) -> str:
    """The PIN from $RETURNBENCH_PIN, else typed on the terminal (not echoed); never a
    command-line flag, which other users of the PC can see in the process list."""
    import os

    given = os.environ.get(PIN_ENV)
    if given is not None:
        return given
    try:
        with open("/dev/tty"):
            pass
    except OSError:
        raise UsageError(f"no terminal to type the PIN on: set {PIN_ENV}") from None
    import getpass

    return getpass.getpass(prompt)


def _operator(services: Services, args: argparse.Namespace, action: Any) -> Any:
    """Who runs a command that changes data or writes a document: signed in like at a
    bench (wrong PINs count and lock), and allowed to do it. Audit entries name them."""
    import os

    from app.permissions import require

    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if not name:
        raise UsageError(f"{args.command} needs a user allowed to {action.value}: give "
                         f"--user NAME (or {USER_ENV}); the PIN is asked on the terminal "
                         f"or read from {PIN_ENV}")
    user = services.auth.sign_in(name, _read_pin(f"PIN for {name}: "))
    require(user.role, action)
    return user


def _cmd_create_admin(services: Services, args: argparse.Namespace) -> int:
    from app.domain.enums import Role
    from app.permissions import Action
    from app.services.demo_data import database_is_empty

    display = args.name or args.username
    first = database_is_empty(services.session_factory)
    # After the first admin, an admin signs in first (before the new PIN is asked).
    admin = None if first else _operator(services, args, Action.MANAGE_USERS)
    pin = _read_pin(f"PIN for the new admin {args.username} (6 to 12 digits): ")
    if pin != _read_pin("The same PIN again: "):
        raise BadInput("The two PINs differ: nothing was created.")
    row = services.users.create_first_admin(args.username, display, pin) if admin is None \
        else services.users.create_user(admin, args.username, display, Role.ADMIN, pin)
    _print_json({"created": row.username, "role": row.role.value, "first_admin": first})
    return 0


def _cmd_demo_data(services: Services, args: argparse.Namespace) -> int:
    from app.bootstrap import demo_places, warehouse_today
    from app.demo_history import load_demo

    today = args.today or warehouse_today(services)
    summary = load_demo(services.session_factory, orders=args.orders, seed=args.seed,
                        today=today, places=None if args.plain else demo_places(services.settings))
    _print_json(summary)
    return 0


def _cmd_where(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 with the story of the code; 3 when nothing has that code; 2 when it is no
    code of ours."""
    found = services.putaway.where(args.code)
    _print_json({"kind": found.kind, "code": found.code, "now": found.now,
                 **found.details,
                 "moves": [{"at": m.at.isoformat(), "item": m.item, "from": m.from_place,
                            "to": m.to_place, "by": m.by} for m in found.moves]})
    return 0


def _cmd_lookup(settings: Settings, args: argparse.Namespace) -> int:
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
    _print_json({
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


def _cmd_audit(services: Services, args: argparse.Namespace) -> int:
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
    _print_json({**dataclasses.asdict(result), "anchors": len(expect)})
    if not result.ok:
        print(f"error: audit log broken: {result.message}", file=sys.stderr)
        return 1
    return 0


def _cmd_authlog(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.PRINT_AUTHORIZATION_LOG)
    pdf = services.authlog.render_for(user, args.start, args.end)
    try:
        args.output.write_bytes(pdf)
    except OSError as exc:
        raise BadInput(f"Cannot write {args.output}: {exc.strerror}.") from exc
    _print_json({"output": str(args.output), "bytes": len(pdf)})
    return 0


def _cmd_label(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.PRINT_LABELS)
    data = services.printing.render_for(user, args.rma.upper(), args.item, args.kind,
                                        args.format, args.dpi)
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"Cannot write {args.output}: {exc.strerror}.") from exc
    _print_json({"output": str(args.output), "format": args.format, "dpi": args.dpi,
                 "bytes": len(data)})
    return 0


def _cmd_badge(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.printing.labels import badge
    from app.printing.render import render_pdf, render_zpl

    _operator(services, args, Action.MANAGE_USERS)
    user, code = services.auth.badge_for(args.username)
    layout = badge(user.display_name, user.role.value, code, args.dpi)
    data = render_pdf(layout, f"Badge {user.username}") if args.format == "pdf" \
        else render_zpl(layout)
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"Cannot write {args.output}: {exc.strerror}.") from exc
    _print_json({"output": str(args.output), "user": user.username, "badge": code,
                 "format": args.format, "dpi": args.dpi})
    return 0


def _cmd_db_upgrade(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.services.demo_data import database_is_empty

    if not database_is_empty(services.session_factory):
        _operator(services, args, Action.MANAGE_USERS)
    _print_json({"database": services.database_label, "schema": "up to date"})
    return 0


def _print_import(report: ImportReport) -> int:
    """The summary; every rejected row on stderr; exit 2 when rows were rejected."""
    print(report.summary())
    for error in report.errors:
        print(f"  rejected {error}", file=sys.stderr)
    return 0 if report.ok else 2


def _cmd_import_orders(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.IMPORT_DATA)
    brand = Brand(args.brand) if args.brand else None
    return _print_import(services.imports.import_orders(read_input(args.file), args.file.name,
                                                        user, brand=brand))


def _cmd_import_rmas(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.IMPORT_DATA)
    return _print_import(services.imports.import_rmas(read_input(args.file), args.file.name,
                                                      user))


def _cmd_import_costs(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.IMPORT_DATA)
    return _print_import(services.imports.import_costs(read_input(args.file), args.file.name,
                                                       user))


def _cmd_totes(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.PRINT_LABELS)
    session = services.session_for(services.clock)
    session.use(user)
    screen = session.print_totes(args.count)
    print(screen.message, file=sys.stderr if screen.level == "error" else sys.stdout)
    if screen.level == "error":
        return 2
    _print_json({"totes": screen.data["totes"]})
    return 0


def _cmd_lot(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    need = {"open": 1, "close": 1, "show": 1}.get(args.action)
    if (need is not None and len(args.codes) != need) or \
            (args.action == "add" and len(args.codes) < 2):
        raise UsageError(f"lot {args.action}: see python main.py lot --help for its "
                         "arguments")
    if args.action == "show":
        view = services.lots.lot(args.codes[0])
        print(view.words())
        out: dict[str, object] = {"lot": view.code, "kind": view.kind,
                                  "status": view.status, "totes": list(view.totes),
                                  "items": view.items}
        if args.out is not None and view.status == "closed":
            pdf, csv_path = services.lots.write_documents(
                services.lots.manifest(view.code), args.out)
            out.update(manifest=str(pdf), csv=str(csv_path))
        _print_json(out)
        return 0
    user = _operator(services, args, Action.CLOSE_LOTS if args.action == "close"
                     else Action.DECIDE)
    if args.action == "open":
        view = services.lots.open_lot(args.codes[0], user)
    elif args.action == "add":
        for tote in args.codes[1:]:
            view = services.lots.add_tote(args.codes[0], tote, user)
    else:
        folder = args.out or services.settings.data_dir / "outbox"
        pdf, csv_path = services.lots.write_documents(
            services.lots.close_lot(args.codes[0], args.party, args.price, user), folder)
        print(services.lots.lot(args.codes[0]).words())
        _print_json({"lot": args.codes[0], "manifest": str(pdf), "csv": str(csv_path)})
        return 0
    print(view.words())
    _print_json({"lot": view.code, "status": view.status, "totes": list(view.totes),
                 "items": view.items})
    return 0


def _cmd_qa(services: Services, args: argparse.Namespace) -> int:
    import datetime as dt
    from dataclasses import asdict

    from app.permissions import Action

    if args.action == "queue":
        user = _operator(services, args, Action.REGRADE)
        _print_json({"queue": [{**asdict(b), "due_on": b.due_on.isoformat()}
                               for b in services.qa.queue(user)]})
        return 0
    if args.action == "regrade":
        if len(args.args) != 2 or not args.args[0].isdigit():
            raise UsageError("qa regrade SAMPLE_ID GRADE (A, B, C, D or X)")
        user = _operator(services, args, Action.REGRADE)
        done = services.qa.regrade(int(args.args[0]), args.args[1], user)
        print(done.message)
        _print_json({"sample": done.sample_id, "agreed": done.agreed,
                     "outcome_after": done.outcome_after,
                     "money_delta": str(done.money_delta)})
        return 0
    if args.action == "reference":
        if len(args.args) != 3 or not args.args[1].isdigit():
            raise UsageError("qa reference RMA UNIT GRADE [--note TEXT]")
        user = _operator(services, args, Action.MANAGE_CALIBRATION)
        ref = services.calibration.add(args.args[0], int(args.args[1]), args.args[2], user,
                                       args.note)
        print(f"Reference dress #{ref.id}: {ref.rma} item {ref.unit_no}, grade "
              f"{ref.agreed_grade} ({ref.photos} photos).")
        return 0
    if args.action == "retire":
        if len(args.args) != 1 or not args.args[0].isdigit():
            raise UsageError("qa retire REFERENCE_ID (from qa references)")
        user = _operator(services, args, Action.MANAGE_CALIBRATION)
        services.calibration.retire(int(args.args[0]), user)
        print(f"Reference dress #{args.args[0]} retired: rounds from now leave it out.")
        return 0
    if args.action == "references":
        user = _operator(services, args, Action.MANAGE_CALIBRATION)
        _print_json({"references": [asdict(r) for r in services.calibration.items(user)]})
        return 0
    user = _operator(services, args, Action.VIEW_REPORTS)
    if args.action == "rounds":
        for score in services.calibration.rounds(user):
            print(score.words())
        return 0
    end = args.end or services.clock.now().date()
    start = args.start or end - dt.timedelta(days=30)
    tz = services.reports.tz
    overall, per, moved = services.qa.agreement(
        dt.datetime.combine(start, dt.time(0), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz), user)
    print(f"Overall: {overall.words()}; money the disagreements moved: {moved}")
    for name, found in per.items():
        print(f"  {name}: {found.words()}")
    _print_json({"pairs": overall.pairs, "agreed": overall.agreed, "kappa": overall.kappa,
                 "inspectors": {n: {"pairs": a.pairs, "agreed": a.agreed, "kappa": a.kappa}
                                for n, a in per.items()},
                 "money_moved": str(moved)})
    return 0


def _cmd_export(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = _operator(services, args, Action.EXPORT_SETTLEMENTS)
    outbox = args.outbox or services.settings.data_dir / "outbox"
    report = services.exports.export(outbox, user)
    print(report.summary())
    _print_json({"outbox": str(outbox), "batches": list(report.batches),
                 "decisions": report.decisions, "files": len(report.files)})
    return 0


def _cmd_report(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.printing.kpi_report import render_kpi_report

    _operator(services, args, Action.VIEW_REPORTS)
    kpis = services.reports.kpis(args.start, args.end)
    pdf = render_kpi_report(kpis, services.clock.now())
    try:
        args.output.write_bytes(pdf)
    except OSError as exc:
        raise BadInput(f"Cannot write {args.output}: {exc.strerror}.") from exc
    _print_json({"output": str(args.output), "bytes": len(pdf), "received": sum(
        kpis.by_reason.values()), "inspected": kpis.inspected})
    return 0


def _cmd_replay(services: Services, args: argparse.Namespace) -> int:
    from app.replay import Replay

    script = read_input(args.script).decode("utf-8", errors="replace")
    session = services.bench_session()

    def photo(rma: str, unit: int, image: bytes, slot: PhotoSlot) -> str:
        """Through the session: offline, on the local copy and into the journal."""
        shown = session.add_photo(unit, image, slot)
        if shown.level == "error" or shown.data.get("rejected"):
            raise ReturnBenchError(shown.message)
        return shown.message

    return Replay(session, args.script.parent, sys.stdin, photo).run(script)


def _cmd_offline(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 when done; sync exits 1 when entries need a look or still wait."""
    from app.permissions import Action

    bench = services.offline_bench
    if args.action == "status":
        st = bench.status()
        _print_json({"offline": st.offline, "waiting": st.waiting,
                     "oldest": st.oldest.isoformat() if st.oldest else None,
                     "conflicts": st.conflicts,
                     "copy_made": st.copy_made.isoformat() if st.copy_made else None,
                     "words": st.words(services.clock.now())})
        return 0
    if args.action == "refresh":
        made = bench.refresh()
        if made is None:
            raise UsageError("the journal holds work the server has not taken: run "
                             "'offline sync' first")
        _print_json({"rmas": made.rmas, "pins": list(made.users_with_pin),
                     "path": str(made.path), "words": made.words()})
        return 0
    if args.action == "sync":
        report = bench.reconcile()
        _print_json({"applied": report.applied, "conflicts": report.conflicts,
                     "left": report.left, "stopped": report.stopped,
                     "words": report.words()})
        return 1 if report.conflicts or report.left else 0
    if args.action == "conflicts":
        _print_json([{"id": c.id, "station": c.station, "user": c.username, "kind": c.kind,
                      "rma": c.rma_number, "happened_at": c.happened_at.isoformat(),
                      "reason": c.reason, "bench": c.bench_lines(),
                      "server": c.server_lines()} for c in bench.sync.conflicts()])
        return 0
    if len(args.args) != 2 or not args.args[0].isdigit():
        raise UsageError("offline settle CONFLICT_ID server|bench")
    user = _operator(services, args, Action.SETTLE_OFFLINE)
    done = bench.sync.settle(int(args.args[0]), user, args.args[1], args.note)
    _print_json({"id": done.id, "settlement": done.settlement, "by": done.settled_by})
    return 0


def _cmd_decide(args: argparse.Namespace) -> int:
    from app.policy.contract import decide_file  # the policy engine: for this command only

    _print_json(decide_file(args.case, args.policy))
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
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
    _print_json(report)
    if unreadable:
        print(f"error: {unreadable} image(s) could not be read", file=sys.stderr)
        return 1
    if not found:
        print("error: no barcode found", file=sys.stderr)
        return 3
    return 0


def _cmd_ledger(args: argparse.Namespace) -> int:
    """Read-only, so it opens the database itself (no upgrade, no station): exit 2 when
    the check cannot run, 1 with the breaches."""
    from app.services.ledger import check_database

    try:
        report = check_database(load_settings(args.db, args.station).db_url, args.outbox)
    except ReturnBenchError as exc:
        print(f"error: ledger check cannot run: {exc.message}", file=sys.stderr)
        return 2
    _print_json(report.as_json())
    if not report.ok:
        print(f"error: ledger check: {report.summary()}", file=sys.stderr)
        return 1
    return 0


# Commands that need no services (the ledger opens its database read-only itself).
_PURE: dict[str, Callable[[argparse.Namespace], int]] = {"decide": _cmd_decide,
                                                         "decode": _cmd_decode,
                                                         "ledger": _cmd_ledger}

# Commands that use one service: they open the database and build only that.
_ONE_SERVICE: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "lookup": _cmd_lookup}

_HANDLERS: dict[str | None, Callable[[Services, argparse.Namespace], int]] = {
    "demo-data": _cmd_demo_data,
    "where": _cmd_where,
    "import-costs": _cmd_import_costs,
    "totes": _cmd_totes,
    "lot": _cmd_lot,
    "qa": _cmd_qa,
    "offline": _cmd_offline,
    "audit": _cmd_audit,
    "authlog": _cmd_authlog,
    "label": _cmd_label,
    "badge": _cmd_badge,
    "create-admin": _cmd_create_admin,
    "db-upgrade": _cmd_db_upgrade,
    "import-orders": _cmd_import_orders,
    "import-rmas": _cmd_import_rmas,
    "export-settlements": _cmd_export,
    "report": _cmd_report,
    "replay": _cmd_replay,
}


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), indent=2))
