"""A bench away from the server: its offline journal and local copy (status, refresh,
sync), the work the server refused (conflicts, settle), and a script of bench inputs
run through the bench session (replay)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.common import operator, print_json, say
from app.errors import ReturnBenchError, UsageError
from app.files import read_input

if TYPE_CHECKING:
    from app.bootstrap import Services
    from app.domain.enums import PhotoSlot


def cmd_replay(services: Services, args: argparse.Namespace) -> int:
    """Its output is JSON lines, one a step, as the script runs (see README)."""
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


def cmd_offline(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 when done; sync exits 1 when entries need a look or still wait."""
    from app.permissions import Action

    bench = services.offline_bench
    if args.action == "status":
        st = bench.status()
        words = st.words(services.clock.now())
        say(words)
        print_json({"offline": st.offline, "waiting": st.waiting,
                    "oldest": st.oldest.isoformat() if st.oldest else None,
                    "conflicts": st.conflicts,
                    "copy_made": st.copy_made.isoformat() if st.copy_made else None,
                    "words": words})
        return 0
    if args.action == "refresh":
        made = bench.refresh()
        if made is None:
            raise UsageError("the journal holds work the server has not taken: run "
                             "'offline sync' first")
        say(made.words())
        print_json({"rmas": made.rmas, "pins": list(made.users_with_pin),
                    "path": str(made.path), "words": made.words()})
        return 0
    if args.action == "sync":
        report = bench.reconcile()
        say(report.words())
        print_json({"applied": report.applied, "conflicts": report.conflicts,
                    "left": report.left, "stopped": report.stopped,
                    "words": report.words()})
        return 1 if report.conflicts or report.left else 0
    if args.action == "conflicts":
        found = bench.sync.conflicts()
        say(f"{len(found)} conflict{'s' if len(found) != 1 else ''} waiting to be settled.")
        print_json([{"id": c.id, "station": c.station, "user": c.username, "kind": c.kind,
                     "rma": c.rma_number, "happened_at": c.happened_at.isoformat(),
                     "reason": c.reason, "bench": c.bench_lines(),
                     "server": c.server_lines()} for c in found])
        return 0
    if len(args.args) != 2 or not args.args[0].isdigit():
        raise UsageError("offline settle CONFLICT_ID server|bench")
    user = operator(services, args, Action.SETTLE_OFFLINE)
    done = bench.sync.settle(int(args.args[0]), user, args.args[1], args.note)
    say(f"Conflict #{done.id} settled ({done.settlement}) by {done.settled_by}.")
    print_json({"id": done.id, "settlement": done.settlement, "by": done.settled_by})
    return 0
