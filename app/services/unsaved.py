"""Work the database could not take: while it is away, the bench keeps each item's
inspection form in a small file in the data folder (written atomically), so neither a
database outage nor a crash during one loses it. When the database is back the forms are
saved as drafts and the files removed."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from app.services.decisions import InspectionInput
from app.services.inspection import form_from, form_json

_SAFE = re.compile(r"[^A-Za-z0-9-]")


class UnsavedWork:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, rma_number: str, unit_no: int) -> Path:
        return self.folder / f"{_SAFE.sub('_', rma_number)}.{unit_no}.json"

    def keep(self, rma_number: str, unit_no: int, form: InspectionInput) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(rma_number, unit_no)
        tmp = path.with_suffix(".tmp")
        body = {"rma": rma_number, "unit_no": unit_no, "form": form_json(form)}
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(body, fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)

    def forms(self, rma_number: str) -> dict[int, InspectionInput]:
        return {unit: form for rma, unit, form in self.all() if rma == rma_number}

    def all(self) -> list[tuple[str, int, InspectionInput]]:
        out = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.exists() else []:
            try:
                body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                out.append((str(body["rma"]), int(body["unit_no"]), form_from(body["form"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a half-written file from a crash: the .tmp never replaced it
        return out

    def forget(self, rma_number: str, unit_no: int) -> None:
        self._path(rma_number, unit_no).unlink(missing_ok=True)
