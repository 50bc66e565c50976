"""Reading a file a person chose (an import, a photo): a missing or unreadable file is a
one-line BadInput, for the command line and the screens alike."""

from __future__ import annotations

from pathlib import Path

from app.errors import BadInput


def read_input(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from exc
