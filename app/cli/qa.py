"""Grading QA from a terminal: the blind re-grade queue and a re-grade, agreement
figures, the calibration set of reference dresses and its rounds."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli.common import operator, print_json, say
from app.errors import UsageError

if TYPE_CHECKING:
    from app.bootstrap import Services


def cmd_qa(services: Services, args: argparse.Namespace) -> int:
    import datetime as dt
    from dataclasses import asdict

    from app.permissions import Action

    if args.action == "queue":
        user = operator(services, args, Action.REGRADE)
        queue = services.qa.queue(user)
        say(f"{len(queue)} dress{'es' if len(queue) != 1 else ''} waiting for a blind "
            "re-grade.")
        print_json({"queue": [{**asdict(b), "due_on": b.due_on.isoformat()} for b in queue]})
        return 0
    if args.action == "regrade":
        if len(args.args) != 2 or not args.args[0].isdigit():
            raise UsageError("qa regrade SAMPLE_ID GRADE (A, B, C, D or X)")
        user = operator(services, args, Action.REGRADE)
        done = services.qa.regrade(int(args.args[0]), args.args[1], user)
        say(done.message)
        print_json({"sample": done.sample_id, "agreed": done.agreed,
                    "outcome_after": done.outcome_after,
                    "money_delta": str(done.money_delta)})
        return 0
    if args.action == "reference":
        if len(args.args) != 3 or not args.args[1].isdigit():
            raise UsageError("qa reference RMA UNIT GRADE [--note TEXT]")
        user = operator(services, args, Action.MANAGE_CALIBRATION)
        ref = services.calibration.add(args.args[0], int(args.args[1]), args.args[2], user,
                                       args.note)
        say(f"Reference dress #{ref.id}: {ref.rma} item {ref.unit_no}, grade "
            f"{ref.agreed_grade} ({ref.photos} photos).")
        print_json({"reference": ref.id, "rma": ref.rma, "unit": ref.unit_no,
                    "grade": ref.agreed_grade, "photos": ref.photos})
        return 0
    if args.action == "retire":
        if len(args.args) != 1 or not args.args[0].isdigit():
            raise UsageError("qa retire REFERENCE_ID (from qa references)")
        user = operator(services, args, Action.MANAGE_CALIBRATION)
        services.calibration.retire(int(args.args[0]), user)
        say(f"Reference dress #{args.args[0]} retired: rounds from now leave it out.")
        print_json({"retired": int(args.args[0])})
        return 0
    if args.action == "references":
        user = operator(services, args, Action.MANAGE_CALIBRATION)
        refs = services.calibration.items(user)
        say(f"{len(refs)} reference dress{'es' if len(refs) != 1 else ''} in the "
            "calibration set.")
        print_json({"references": [asdict(r) for r in refs]})
        return 0
    user = operator(services, args, Action.VIEW_REPORTS)
    if args.action == "rounds":
        scores = services.calibration.rounds(user)
        for score in scores:
            say(score.words())
        if not scores:
            say("No calibration round finished yet.")
        print_json({"rounds": list(scores)})
        return 0
    end = args.end or services.clock.now().date()
    start = args.start or end - dt.timedelta(days=30)
    tz = services.reports.tz
    overall, per, moved = services.qa.agreement(
        dt.datetime.combine(start, dt.time(0), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz), user)
    say(f"Overall: {overall.words()}; money the disagreements moved: {moved}")
    for name, found in per.items():
        say(f"  {name}: {found.words()}")
    print_json({"from": start, "to": end,
                "pairs": overall.pairs, "agreed": overall.agreed, "kappa": overall.kappa,
                "inspectors": {n: {"pairs": a.pairs, "agreed": a.agreed, "kappa": a.kappa}
                               for n, a in per.items()},
                "money_moved": str(moved)})
    return 0
