"""Commands that write or print a document as a signed-in operator: a label, a badge,
tote plates, the authorization log, the KPI report, an outbound lot and its manifest."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import operator, print_json, say, write_file
from app.errors import UsageError

if TYPE_CHECKING:
    from app.bootstrap import Services
    from app.views import LotView


def cmd_authlog(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.PRINT_AUTHORIZATION_LOG)
    pdf = services.authlog.render_for(user, args.start, args.end)
    write_file(args.output, pdf)
    say(f"Authorization log {args.start} to {args.end} written to {args.output}.")
    print_json({"output": str(args.output), "bytes": len(pdf)})
    return 0


def cmd_label(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    user = operator(services, args, Action.PRINT_LABELS)
    data = services.printing.render_for(user, args.rma.upper(), args.item, args.kind,
                                        args.format, args.dpi)
    write_file(args.output, data)
    say(f"The {args.kind} label of {args.rma.upper()} item {args.item} written to "
        f"{args.output}.")
    print_json({"output": str(args.output), "format": args.format, "dpi": args.dpi,
                "bytes": len(data)})
    return 0


def cmd_badge(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.printing.labels import badge
    from app.printing.render import render_pdf, render_zpl

    operator(services, args, Action.MANAGE_USERS)
    user, code = services.auth.badge_for(args.username)
    layout = badge(user.display_name, user.role.value, code, args.dpi)
    data = render_pdf(layout, f"Badge {user.username}") if args.format == "pdf" \
        else render_zpl(layout)
    write_file(args.output, data)
    say(f"The sign-in badge of {user.username} written to {args.output}.")
    print_json({"output": str(args.output), "user": user.username, "badge": code,
                "format": args.format, "dpi": args.dpi})
    return 0


def cmd_report(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action
    from app.printing.kpi_report import render_kpi_report

    operator(services, args, Action.VIEW_REPORTS)
    kpis = services.reports.kpis(args.start, args.end)
    pdf = render_kpi_report(kpis, services.clock.now())
    write_file(args.output, pdf)
    say(f"The returns report {args.start} to {args.end} written to {args.output}.")
    print_json({"output": str(args.output), "bytes": len(pdf), "received": sum(
        kpis.by_reason.values()), "inspected": kpis.inspected})
    return 0


def cmd_totes(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 when the plates are made, printed or queued (printed says which); 2 when
    no tote was made."""
    import sys

    from app.permissions import Action

    user = operator(services, args, Action.PRINT_LABELS)
    session = services.session_for(services.clock)
    session.use(user)
    screen = session.print_totes(args.count)
    if screen.level == "error":
        print(f"error: {screen.message}", file=sys.stderr)
        return 2
    say(screen.message)
    print_json({"totes": screen.data["totes"], "printed": screen.level == "ok"})
    return 0


def _lot_fields(view: LotView) -> dict[str, Any]:
    return {"lot": view.code, "kind": view.kind, "status": view.status,
            "party": view.party, "price": view.price, "totes": list(view.totes),
            "items": view.items, "created_at": view.created_at,
            "closed_at": view.closed_at, "closed_by": view.closed_by}


def cmd_lot(services: Services, args: argparse.Namespace) -> int:
    from app.permissions import Action

    need = {"open": 1, "close": 1, "show": 1}.get(args.action)
    if (need is not None and len(args.codes) != need) or \
            (args.action == "add" and len(args.codes) < 2):
        raise UsageError(f"lot {args.action}: see python main.py lot --help for its "
                         "arguments")
    if args.action == "show" and args.out is None:
        view = services.lots.lot(args.codes[0])
        say(view.words())
        print_json(_lot_fields(view))
        return 0
    if args.action == "show":
        # The manifest carries MSRP and cost: written by a signed-in manager, audited.
        user = operator(services, args, Action.CLOSE_LOTS)
        manifest, pdf, csv_path = services.lots.print_manifest(args.codes[0], args.out, user)
        say(f"{manifest.lot.words()} Manifest {pdf.name} and {csv_path.name} are in "
            f"{args.out}.")
        print_json({**_lot_fields(manifest.lot), "manifest": str(pdf), "csv": str(csv_path)})
        return 0
    user = operator(services, args, Action.CLOSE_LOTS if args.action == "close"
                    else Action.DECIDE)
    if args.action == "open":
        view = services.lots.open_lot(args.codes[0], user)
    elif args.action == "add":
        for tote in args.codes[1:]:
            view = services.lots.add_tote(args.codes[0], tote, user)
    else:
        folder = args.out or services.settings.data_dir / "outbox"
        manifest = services.lots.close_lot(args.codes[0], args.party, args.price, user)
        pdf, csv_path = services.lots.write_documents(manifest, folder)
        view = services.lots.lot(args.codes[0])
        say(f"{view.words()} Manifest {pdf.name} and {csv_path.name} are in {folder}.")
        print_json({**_lot_fields(view), "manifest": str(pdf), "csv": str(csv_path)})
        return 0
    say(view.words())
    print_json(_lot_fields(view))
    return 0
