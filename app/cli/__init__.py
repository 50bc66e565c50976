"""The headless command line: one contract for every command (DESIGN.md).

One JSON document on stdout (or nothing), the human sentences on stderr, an error as
one line `error: ...` on stderr; exit 0 on success, 2 on bad usage, 3 on "not found /
not recognised", 1 on any other failure. Each command's code is in a module beside this
one (lookups, documents, transfers, qa, offline, admin, checks); the parser and the
dispatch are here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.cli.common import PIN_ENV, USER_ENV
from app.config import Settings, load_settings
from app.domain.enums import Brand
from app.errors import ReturnBenchError, UsageError, exit_code, user_message

if TYPE_CHECKING:  # the database side loads only for commands that use it
    from app.bootstrap import Services

log = logging.getLogger(__name__)


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
            pure: Callable[[argparse.Namespace], int] = _command(_PURE[args.command])
            return pure(args)
        if args.command in _ONE_SERVICE:
            one: Callable[[Settings, argparse.Namespace], int] = \
                _command(_ONE_SERVICE[args.command])
            return one(load_settings(args.db, args.station, args.camera, args.printer), args)
        if args.command not in _HANDLERS:
            raise UsageError("no command given (see --help)")
        handler: Callable[[Services, argparse.Namespace], int] = \
            _command(_HANDLERS[args.command])
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
        # One line whatever the input held: a value quoted in the message may carry a
        # line break (\n, or \x1e and the others str.splitlines breaks at).
        print(f"error: {' '.join(user_message(exc).splitlines())}", file=sys.stderr)
        return exit_code(exc)


def _command(where: tuple[str, str]) -> Any:
    """A command's function, its module imported only now: a process runs one command,
    and lookup's must stay small."""
    import importlib

    module, name = where
    return getattr(importlib.import_module(f"app.cli.{module}"), name)


# Where each command's code is, as (module, function).
# Commands that need no services (the ledger opens its database read-only itself).
_PURE = {"decide": ("lookups", "cmd_decide"), "decode": ("lookups", "cmd_decode"),
         "ledger": ("checks", "cmd_ledger")}

# Commands that use one service: they open the database and build only that.
_ONE_SERVICE = {"lookup": ("lookups", "cmd_lookup")}

_HANDLERS = {
    "demo-data": ("admin", "cmd_demo_data"),
    "create-admin": ("admin", "cmd_create_admin"),
    "db-upgrade": ("admin", "cmd_db_upgrade"),
    "where": ("lookups", "cmd_where"),
    "audit": ("checks", "cmd_audit"),
    "authlog": ("documents", "cmd_authlog"),
    "label": ("documents", "cmd_label"),
    "badge": ("documents", "cmd_badge"),
    "report": ("documents", "cmd_report"),
    "totes": ("documents", "cmd_totes"),
    "lot": ("documents", "cmd_lot"),
    "import-orders": ("transfers", "cmd_import_orders"),
    "import-rmas": ("transfers", "cmd_import_rmas"),
    "import-costs": ("transfers", "cmd_import_costs"),
    "export-settlements": ("transfers", "cmd_export"),
    "qa": ("qa", "cmd_qa"),
    "offline": ("offline", "cmd_offline"),
    "replay": ("offline", "cmd_replay"),
}
