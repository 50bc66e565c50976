"""The money check at the end of a test that worked a database hard (several benches at
once, a kill -9, offline work synced): `main.py ledger check`'s statements, read-only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.services.ledger import check_database, check_ledger


def assert_ledger_clean(where: sessionmaker[Session] | str, outbox: Path | None = None
                        ) -> None:
    """No breach in the database (a session factory, or a URL opened read-only), and
    with `outbox`, in its export files."""
    if isinstance(where, str):
        report = check_database(where, outbox)
    else:
        with where() as s:
            report = check_ledger(s, outbox)
    assert report.ok, report.summary()
