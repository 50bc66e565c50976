"""Saving a document the app produced (authorization log, carrier-claim packet) into the
station's documents folder, with a message a person can act on when the disk says no."""

from __future__ import annotations

from pathlib import Path

from app.errors import EnvironmentFault


def save_document(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise EnvironmentFault(f"Cannot save {name} in {folder} ({exc.strerror}): check the "
                               "folder or the disk.") from exc
    return path
