"""Reading a file a person chose (an import, a photo): a missing or unreadable file is a
one-line BadInput, for the command line and the screens alike."""

from __future__ import annotations

import re
from pathlib import Path

from app.errors import BadInput


def read_input(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from exc


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run (OWASP CSV injection): text starting with =,
    +, -, @, a tab or a carriage return gets a leading apostrophe. Numbers we wrote
    ourselves (-25.00) stay numbers; everything else passes unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
