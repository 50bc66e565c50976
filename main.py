"""ReturnBench composition root: parse arguments, then run a CLI command or open the app."""

from __future__ import annotations

import logging
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from app.cli import build_parser, run

    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    if any(a in commands for a in args) or any(a in ("-h", "--help") for a in args):
        return run(args)
    from ui.application import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
