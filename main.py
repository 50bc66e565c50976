"""ReturnBench composition root: parse arguments, then run a CLI command or open the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from app.cli import is_command_line, run
    from app.config import default_data_dir
    from app.logsetup import configure

    headless = is_command_line(args)
    configure(default_data_dir(), to_stderr=not headless)
    if headless:
        return run(args)
    from ui.application import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
