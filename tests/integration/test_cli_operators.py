"""Operator sign-in on the command line (issue 16): the roles x commands table. Every
command that changes data or writes a document signs its operator in (the PIN from
RETURNBENCH_PIN here, as a terminal-less run gives it) and asks the role the service
asks; the audit log names them. Read-only commands need nobody."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.cli import run
from app.permissions import PERMISSIONS, Action
from app.services.demo_data import DEMO_USERS, load_demo_data
from models.db import make_engine, make_session_factory, upgrade
from tests.conftest import NOW

PINS = {u.username: u.pin for u in DEMO_USERS}
ROLES = {u.username: u.role for u in DEMO_USERS}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("operators")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=20, seed=3, today=NOW.date())
    engine.dispose()
    with sqlite3.connect(folder / "demo.db") as conn:
        number = conn.execute("SELECT number FROM return_authorizations LIMIT 1").fetchone()[0]
    (folder / "rmas.csv").write_text("RMA,Order,SKU,Reason\n")
    return f"sqlite:///{folder / 'demo.db'}", folder / number


def _commands(url: str, folder: Path, rma: str, who: str) -> dict[str, tuple[list[str],
                                                                         Action]]:
    out = folder / f"{who}-out"
    return {
        "label": (["label", rma, "--kind", "item", "--format", "pdf", "-o", f"{out}.pdf"],
                  Action.PRINT_LABELS),
        "badge": (["badge", "ines", "-o", f"{out}-badge.pdf"], Action.MANAGE_USERS),
        "authlog": (["authlog", "--from", "2026-11-01", "--to", "2026-11-30", "-o",
                     f"{out}-log.pdf"], Action.PRINT_AUTHORIZATION_LOG),
        "report": (["report", "--from", "2026-11-01", "--to", "2026-12-01", "-o",
                    f"{out}-report.pdf"], Action.VIEW_REPORTS),
        "export-settlements": (["export-settlements", "--outbox", f"{out}-outbox"],
                               Action.EXPORT_SETTLEMENTS),
        "import-rmas": (["import-rmas", str(folder / "rmas.csv")], Action.IMPORT_DATA),
        "db-upgrade": (["db-upgrade"], Action.MANAGE_USERS),
        "create-admin": (["create-admin", f"admin-{who}"], Action.MANAGE_USERS),
    }


@pytest.mark.parametrize("who", sorted(PINS))
def test_each_role_against_each_command(db: tuple[str, Path], who: str,
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    url, rma_path = db
    monkeypatch.setenv("RETURNBENCH_USER", who)
    monkeypatch.setenv("RETURNBENCH_PIN", PINS[who])
    for name, (args, action) in _commands(url, rma_path.parent, rma_path.name, who).items():
        # create-admin reads the operator's PIN, then the new admin's twice: with
        # RETURNBENCH_PIN all three are the operator's (six digits for an admin).
        code = run([*args, "--db", url])
        err = capsys.readouterr().err
        allowed = action in PERMISSIONS[ROLES[who]]
        if allowed:
            assert "may not" not in err and code in (0, 2), (name, who, err)
        else:
            assert code == 1 and "may not" in err, (name, who, code, err)
            assert len(err.strip().splitlines()) == 1
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:  # named in the audit
        actors = {r[0] for r in conn.execute(
            "SELECT actor FROM audit_events WHERE action IN ('label.written', "
            "'export.claimed', 'export.written', 'user.created')")}
    if Action.PRINT_LABELS in PERMISSIONS[ROLES[who]]:
        assert who in actors


def test_no_operator_or_a_wrong_pin_is_refused(db: tuple[str, Path],
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    url, rma_path = db
    monkeypatch.delenv("RETURNBENCH_USER", raising=False)
    monkeypatch.delenv("RETURNBENCH_PIN", raising=False)
    args = ["label", rma_path.name, "--kind", "item", "--format", "pdf", "-o",
            str(rma_path.parent / "x.pdf"), "--db", url]
    assert run(args) == 2 and "--user NAME" in capsys.readouterr().err
    monkeypatch.setenv("RETURNBENCH_PIN", "999999")
    assert run([*args, "--user", "maria"]) == 1
    assert "Wrong PIN" in capsys.readouterr().err
    assert not (rma_path.parent / "x.pdf").exists()
    # Read-only commands stay open.
    assert run(["lookup", rma_path.name, "--db", url]) == 0
    assert run(["audit", "verify", "--db", url]) == 0, capsys.readouterr().err
