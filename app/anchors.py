"""Audit heads recorded outside the database: the export batches' manifests
(`batch-NNNNNN.json`, "audit_head") and the authorization logs (PDF subject "returnbench
audit head SEQ:HASH"). Read from the files themselves, never from the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.errors import BadInput
from app.views import HEAD_MARK

_PDF_HEAD = re.compile(re.escape(HEAD_MARK).encode() + rb" (\d{1,12}):([0-9a-f]{64})")
_GIVEN = re.compile(r"(\d{1,12}):([0-9a-f]{64})")
MAX_FILES = 100_000


def parse_head(text: str) -> tuple[int, str]:
    found = _GIVEN.fullmatch(text.strip().lower())
    if not found:
        raise BadInput(f"--expect-head {text[:80]!r}: give SEQ:HASH, e.g. 1234:9f86d0…, "
                       "the 64 hex digits as printed")
    return int(found.group(1)), found.group(2)


def read_anchors(folder: Path) -> list[tuple[str, int, str]]:
    """(file, seq, hash) for every anchor in `folder` (and below)."""
    if not folder.is_dir():
        raise BadInput(f"--anchors {folder}: not a folder")
    out: list[tuple[str, int, str]] = []
    for n, path in enumerate(sorted(folder.rglob("*"))):
        if n > MAX_FILES:
            raise BadInput(f"--anchors {folder}: more than {MAX_FILES:,} files")
        try:
            if path.name.startswith("batch-") and path.suffix == ".json":
                head = json.loads(path.read_text(encoding="utf-8"))["audit_head"]
                out.append((path.name, int(head["seq"]), str(head["hash"])))
            elif path.suffix.lower() == ".pdf":
                found = _PDF_HEAD.search(path.read_bytes())
                if found:
                    out.append((path.name, int(found.group(1)), found.group(2).decode()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{path.name}: not a readable anchor ({exc.__class__.__name__})") \
                from exc
    return out
