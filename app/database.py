"""Opening the database from settings: the embedded default's folder made, the server
reached, the schema brought to this app's head. The one way in, for bootstrap (the app,
and commands that use many services) and for commands that use one service (`lookup`),
which must not pay for importing and wiring them all (issue 28: a process under 0.4 s)."""

from __future__ import annotations

from sqlalchemy import Engine

from app.config import Settings, ensure_data_dir
from app.errors import DatabaseUnavailable
from models.db import check_connection, make_engine, upgrade


def open_database(settings: Settings, allow_offline: bool = False) -> tuple[Engine, bool]:
    """The engine, upgraded; and whether the bench starts offline: with `allow_offline`,
    a server away at start is no error for a bench with a local copy (its journal
    replays when the server answers), and then nothing is upgraded."""
    if settings.uses_default_db:
        ensure_data_dir(settings)
    engine = make_engine(settings.db_url)
    try:
        check_connection(engine)
    except DatabaseUnavailable:
        # Without a local copy, the server is needed to start.
        if not (allow_offline and (settings.data_dir / "offline" / "copy.db").exists()):
            engine.dispose()
            raise
        return engine, True
    upgrade(engine)
    return engine, False
