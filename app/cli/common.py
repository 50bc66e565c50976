"""What every command shares: its operator signed in like at a bench, the one JSON
document on stdout, the sentence on stderr, and a file written or refused in one line."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import BadInput, UsageError

if TYPE_CHECKING:  # the database side loads only for commands that use it
    from app.bootstrap import Services

USER_ENV, PIN_ENV = "RETURNBENCH_USER", "RETURNBENCH_PIN"


def read_pin(prompt: str) -> str:
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


def operator(services: Services, args: argparse.Namespace, action: Any) -> Any:
    """Who runs a command that changes data or writes a document: signed in like at a
    bench (wrong PINs count and lock), and allowed to do it. Audit entries name them."""
    import os

    from app.permissions import require

    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if not name:
        raise UsageError(f"{args.command} needs a user allowed to {action.value}: give "
                         f"--user NAME (or {USER_ENV}); the PIN is asked on the terminal "
                         f"or read from {PIN_ENV}")
    user = services.auth.sign_in(name, read_pin(f"PIN for {name}: "))
    require(user.role, action)
    return user


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"Cannot write {path}: {exc.strerror}.") from exc


def say(sentence: str) -> None:
    """The human sentence: on stderr, so stdout stays one JSON document."""
    print(sentence, file=sys.stderr)


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), indent=2))
