"""The command line contract: JSON on stdout, one-line errors, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


MARIA = {"RETURNBENCH_USER": "maria", "RETURNBENCH_PIN": "444444"}  # a demo manager


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("RETURNBENCH_USER", "RETURNBENCH_PIN")}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**clean, **(env or {})})


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo-data", "lookup", "audit", "db-upgrade"):
        assert command in result.stdout


def test_bad_usage_exits_2() -> None:
    result = run("demo-data", "--orders", "many")
    assert result.returncode == 2
    assert "invalid int value" in _one_line_error(result)


@pytest.mark.parametrize("url,fragment", [
    ("nonsense://x", "only sqlite"), ("::::", "not valid"),
    ("sqlite:////nonexistent-dir/sub/x.db", "Cannot open the database"),
    ("postgresql://nobody@127.0.0.1:1/none", "Cannot open the database"),
])
def test_a_database_that_cannot_be_opened(url: str, fragment: str) -> None:
    result = run("lookup", "KP-1", "--db", url)
    assert result.returncode in (1, 2)
    assert fragment in _one_line_error(result)


def test_read_only_data_dir_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits: make the data dir a file instead.
        blocked = tmp_path / "blocked"
        blocked.write_text("not a folder")
        data_dir = blocked / "returnbench"
    else:
        data_dir = tmp_path / "ro"
        data_dir.mkdir()
        data_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    result = run("lookup", "KP-1", env={"RETURNBENCH_DATA_DIR": str(data_dir)})
    assert result.returncode == 1
    assert "Cannot write to the data folder" in _one_line_error(result)


def test_schema_newer_than_the_app_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert run("db-upgrade", "--db", f"sqlite:///{db}").returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999_future'")
    def dump() -> list[str]:
        with sqlite3.connect(db) as conn:
            return list(conn.iterdump())

    before = dump()
    result = run("lookup", "KP-1", "--db", f"sqlite:///{db}")
    assert result.returncode == 1
    assert "newer ReturnBench" in _one_line_error(result)
    assert dump() == before


def test_lookup_json_and_not_found(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("demo-data", "--orders", "40", "--seed", "3", "--db", url).returncode == 0
    with sqlite3.connect(tmp_path / "d.db") as conn:
        number, tracking = conn.execute(
            "SELECT number, tracking_number FROM return_authorizations LIMIT 1").fetchone()
    found = run("lookup", tracking, "--db", url)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["input"] == tracking
    assert any(c["value"] == tracking and c["check_digit_ok"] for c in data["candidates"])
    assert data["match"]["rma"] == number and data["match"]["order"].startswith(("KP", "ST"))
    missing = run("lookup", "KP-99999999", "--db", url)
    assert missing.returncode == 0  # a well-formed order number, just not ours
    assert json.loads(missing.stdout)["match"] is None
    misread = run("lookup", "1Z5R89390357567128", "--db", url)
    assert misread.returncode == 3
    out = json.loads(misread.stdout)
    assert out["candidates"] == [{"kind": "ups", "value": "1Z5R89390357567128",
                                  "check_digit_ok": False}] and out["match"] is None
    assert "check digit wrong" in _one_line_error(misread)
    assert run("audit", "verify", "--db", url).returncode == 0
    again = run("demo-data", "--orders", "5", "--db", url)
    assert again.returncode == 2 and "holds demo data already" in _one_line_error(again)


def test_audit_verify_fails_on_a_tampered_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("demo-data", "--orders", "10", "--db", url).returncode == 0
    with sqlite3.connect(tmp_path / "d.db") as conn:
        conn.execute("UPDATE audit_events SET actor='mallory'")
    result = run("audit", "verify", "--db", url)
    assert result.returncode == 1
    assert "entry 1 was changed" in _one_line_error(result)


def test_label_command_writes_pdf_and_zpl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("demo-data", "--orders", "40", "--seed", "3", "--db", url).returncode == 0
    with sqlite3.connect(tmp_path / "d.db") as conn:
        number = conn.execute("SELECT number FROM return_authorizations LIMIT 1").fetchone()[0]
    pdf = tmp_path / "label.pdf"
    done = run("label", number, "--kind", "item", "--format", "pdf", "-o", str(pdf),
               "--db", url, env=MARIA)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and json.loads(done.stdout)["format"] == "pdf"
    zpl = tmp_path / "label.zpl"
    done = run("label", number.lower(), "--item", "1", "--kind", "return", "--format", "zpl",
               "--dpi", "300", "-o", str(zpl), "--db", url, env=MARIA)
    assert done.returncode == 0, done.stderr
    assert zpl.read_text().startswith("^XA") and "^XZ" in zpl.read_text()
    missing = run("label", "RMA-2026-999999-0", "--kind", "item", "--format", "pdf", "-o",
                  str(pdf), "--db", url, env=MARIA)
    assert missing.returncode == 3 and "No return authorization" in _one_line_error(missing)
    no_item = run("label", number, "--item", "9", "--kind", "item", "--format", "pdf", "-o",
                  str(pdf), "--db", url, env=MARIA)
    assert no_item.returncode == 3 and "has no item 9" in _one_line_error(no_item)
