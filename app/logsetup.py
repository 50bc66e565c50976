"""Logging: a per-module logger everywhere; the app writes a rotating log file in the data
folder (tracebacks go there, never to the user's terminal)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(data_dir: Path, *, to_stderr: bool) -> Path | None:
    """Log INFO and up to `data_dir/returnbench.log`; optionally warnings to stderr
    (one line each, without tracebacks). Returns the log file, or None if unwritable."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if to_stderr:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        stream.setFormatter(_NoTraceback("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    path = data_dir / "returnbench.log"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


class _NoTraceback(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
