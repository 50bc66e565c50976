"""The back office in tests: the import and export services as a manager runs them (the
services need a named, allowed user; these tests are about the files)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import Role
from app.security import hash_pin
from app.services.auth import SignedInUser
from app.services.exports import ExportReport, ExportService
from app.services.imports import ImportReport, ImportService
from models import User

OFFICE_PIN = "246810"


def office_user(sf: sessionmaker[Session], username: str = "olga") -> SignedInUser:
    """A back-office manager (made on first use)."""
    with sf() as s:
        user = s.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            user = User(username=username, display_name="Olga Office", role=Role.MANAGER,
                        pin_hash=hash_pin(OFFICE_PIN), active=True, failed_attempts=0,
                        created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
            s.add(user)
            s.commit()
        return SignedInUser(user.id, user.username, user.display_name, user.role)


class OfficeImports:
    def __init__(self, service: ImportService, user: SignedInUser) -> None:
        self.service, self.user = service, user

    def import_orders(self, data: bytes, source: str, **kw: Any) -> ImportReport:
        return self.service.import_orders(data, source, self.user, **kw)

    def import_rmas(self, data: bytes, source: str, **kw: Any) -> ImportReport:
        return self.service.import_rmas(data, source, self.user, **kw)


class OfficeExports:
    def __init__(self, service: ExportService, user: SignedInUser) -> None:
        self.service, self.user = service, user

    def export(self, outbox: Path) -> ExportReport:
        return self.service.export(outbox, self.user)


def office_imports(sf: sessionmaker[Session], clock: Any) -> OfficeImports:
    return OfficeImports(ImportService(sf, clock, "OFFICE-1"), office_user(sf))


# The command line as Olga: her user name, and the PIN as a terminal-less run gives it.
OFFICE_ENV = {**{k: v for k, v in os.environ.items()
                 if k not in ("RETURNBENCH_USER", "RETURNBENCH_PIN")},
              "RETURNBENCH_USER": "olga", "RETURNBENCH_PIN": OFFICE_PIN}
