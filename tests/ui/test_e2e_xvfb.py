"""End to end in a real window: the app on a real X server (Xvfb), driven by real X key
events from xdotool as a keyboard-wedge scanner would send them; the receipts must land
in the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.conftest import IN_CI
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.xwindow import (
    focus_window,
    go,
    key,
    scan,
    sign_in,
    sign_out,
    type_text,
    wait_for,
    wait_title,
    xdo,
    xvfb,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (make test installs it as root)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def display() -> Iterator[str]:
    xvfb_path = _need("Xvfb")
    _need("xdotool")
    with xvfb(xvfb_path) as number:
        yield number


_xdo = xdo
_wait = wait_for


def _demo_db(url: str) -> None:
    made = subprocess.run([sys.executable, "main.py", "demo-data", "--orders", "60", "--seed",
                           "4", "--plain", "--db", url], cwd=ROOT, capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stderr


def _focus_window(display: str, app: subprocess.Popen[str]) -> None:
    focus_window(display, app)


def _sign_in_as_ines(display: str) -> None:
    """Ines by her first letter (nobody is picked at first, and this station's recent
    users move to the top, so arrows land on different names) and her PIN."""
    sign_in(display, "i1111", "Ines")


def _start_bench(display: str, tmp_path: Path, url: str) -> subprocess.Popen[str]:
    """The app on `display` at station E2E-BENCH, labels printed to a folder, scanner
    bursts detected at a 30 ms gap."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(tmp_path / "data"), "RETURNBENCH_SCAN_GAP_MS": "30"}
    return subprocess.Popen([sys.executable, "main.py", "--db", url, "--station",
                             "E2E-BENCH", "--printer", f"file:{tmp_path / 'labels'}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _stop(app: subprocess.Popen[str]) -> str:
    """End the app; its standard error."""
    app.terminate()
    try:
        _out, err = app.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        app.kill()
        _out, err = app.communicate()
    return err or ""


def test_scanner_keystrokes_in_a_real_window_record_receipts(display: str,
                                                             tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    with sqlite3.connect(db) as conn:
        (n1, t1), (n2, _t2) = conn.execute(
            "SELECT number, tracking_number FROM return_authorizations ORDER BY id LIMIT 2"
        ).fetchall()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(tmp_path / "data"), "RETURNBENCH_SCAN_GAP_MS": "30"}
    app = subprocess.Popen([sys.executable, "main.py", "--db", url, "--station", "E2E-BENCH"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        # The carrier label, as a wedge scanner types it: 5 ms per key, Enter suffix.
        scan(display, t1)

        def receipts() -> list[tuple[str, str]]:
            with sqlite3.connect(db) as conn:
                return conn.execute(
                    "SELECT r.number, rc.scanned_code FROM receipts rc JOIN "
                    "return_authorizations r ON r.id = rc.rma_id ORDER BY rc.id").fetchall()

        assert _wait(lambda: receipts(), 10, "the first receipt") == [(n1, t1)]
        # The next parcel at 0 ms per key with a Tab suffix.
        _xdo(display, "type", "--delay", "0", n2)
        key(display, "Tab")
        assert _wait(lambda: len(receipts()) == 2 and receipts(), 10,
                     "the second receipt") == [(n1, t1), (n2, n2)]
        with sqlite3.connect(db) as conn:
            station = conn.execute(
                "SELECT s.name FROM receipts rc JOIN stations s ON s.id = rc.station_id "
                "ORDER BY rc.id LIMIT 1").fetchone()[0]
            statuses = {r[0] for r in conn.execute(
                "SELECT i.reception_status FROM return_items i JOIN return_authorizations r "
                "ON r.id = i.rma_id WHERE r.number = ?", (n1,))}
        assert station == "E2E-BENCH" and statuses == {"received"}
    finally:
        err = _stop(app)
    assert "Traceback" not in err


def test_kill_minus_9_mid_inspection_keeps_the_draft_and_its_photo(display: str,
                                                                   tmp_path: Path) -> None:
    """Grade, mark damage and take a photo, then kill -9: the draft and the photo are in the
    database and the photo store; the next start picks them up (see test_inspect)."""
    import cv2

    from tests.helpers.photos import scene

    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    camera = tmp_path / "camera"
    camera.mkdir()
    cv2.imwrite(str(camera / "000.png"), scene(21))
    with sqlite3.connect(db) as conn:
        number = conn.execute("SELECT number FROM return_authorizations ORDER BY id LIMIT 1"
                              ).fetchone()[0]
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(tmp_path / "data"), "RETURNBENCH_SCAN_GAP_MS": "30"}
    def start() -> subprocess.Popen[str]:
        """The bench app, signed in as Ines."""
        app = subprocess.Popen([sys.executable, "main.py", "--db", url, "--camera",
                                str(camera)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        _focus_window(display, app)
        _sign_in_as_ines(display)
        return app

    def received() -> bool:
        with sqlite3.connect(db) as conn:
            return bool(conn.execute(
                "SELECT count(*) FROM receipts rc JOIN return_authorizations r "
                "ON r.id = rc.rma_id WHERE r.number = ?", (number,)).fetchone()[0])

    def graded() -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT damage_cause FROM inspections WHERE is_draft = 1"
                               ).fetchone()
        return bool(row and row[0] == "shipping")

    app = start()
    try:
        scan(display, number)
        _wait(received, 20, "the parcel received")
        go(display, "F2", "Inspect")
        key(display, "3", "s", "s", "c")  # grade C, damage unset > none > minor,
        #                                            cause shipping
        _wait(graded, 20, "the draft graded")
        key(display, "space")  # a photo from the camera

        def draft() -> tuple[str, int] | None:
            with sqlite3.connect(db) as conn:
                row = conn.execute(
                    "SELECT i.grade, (SELECT count(*) FROM photos p WHERE p.inspection_id = "
                    "i.id) FROM inspections i WHERE i.is_draft = 1").fetchone()
            return (row[0], row[1]) if row and row[1] else None

        assert _wait(draft, 15, "the draft with its photo") == ("C", 1)
    finally:
        app.kill()  # SIGKILL: no clean shutdown, nothing flushed on exit
        app.communicate(timeout=10)
    with sqlite3.connect(db) as conn:
        form = conn.execute("SELECT checklist, damage_severity, damage_cause FROM inspections "
                            "WHERE is_draft = 1").fetchone()
        sha = conn.execute("SELECT sha256 FROM photos").fetchone()[0]
    assert form[1:] == ("minor", "shipping") and '"grade": "C"' in form[0]
    assert (tmp_path / "data" / "photos" / sha[:2] / sha[2:4] / f"{sha}.jpg").exists()
    # The next start: after sign-in, Receive lists the unfinished inspection; Ctrl+1
    # resumes it on Inspect with its draft (W then marks the same draft worn).
    app = start()
    try:
        key(display, "ctrl+1")
        wait_title(display, "Inspect")
        key(display, "w")

        def resumed() -> bool:
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT worn, grade, damage_severity FROM inspections "
                                   "WHERE is_draft = 1").fetchall()
            return row == [(1, "C", "minor")]

        _wait(resumed, 15, "the resumed draft marked worn")
        with sqlite3.connect(db) as conn:  # resumed, not started again
            assert conn.execute("SELECT count(*) FROM inspections").fetchone()[0] == 1
            assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
    finally:
        err = _stop(app)
    assert "Traceback" not in err, err
    assert_ledger_clean(url)


def test_exception_asked_at_the_bench_approved_by_a_manager_reaches_the_export(
        display: str, tmp_path: Path) -> None:
    """Ines grades a dress D (the policy sends it back), asks for a refund exception; Maria
    signs in at the same bench and approves with A, Enter; the refund is exported, and the
    hold-shelf tag then the final label were printed."""
    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    with sqlite3.connect(db) as conn:
        number, price, tax = conn.execute(
            "SELECT r.number, l.unit_price_paid, l.unit_tax FROM return_authorizations r "
            "JOIN return_items i ON i.rma_id = r.id JOIN order_lines l "
            "ON l.id = i.order_line_id WHERE r.id IN (SELECT rma_id FROM return_items "
            "GROUP BY rma_id HAVING count(*) = 1) AND i.reason = 'sizing' "
            "AND l.clearance = 0 ORDER BY r.id LIMIT 1").fetchone()
    labels = tmp_path / "labels"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(tmp_path / "data"), "RETURNBENCH_SCAN_GAP_MS": "30"}
    app = subprocess.Popen([sys.executable, "main.py", "--db", url, "--station", "E2E-BENCH",
                            "--printer", f"file:{labels}"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)

    def one(sql: str) -> tuple[object, ...] | None:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchone()  # type: ignore[no-any-return]

    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        scan(display, number)
        _wait(lambda: one("SELECT count(*) FROM receipts")[0] == 1,  # type: ignore[index]
              10, "the receipt")
        go(display, "F2", "Inspect")
        key(display, "4")  # grade D: the policy sends the dress back
        key(display, "m")  # it matches the order: yes
        key(display, "e")
        # A person types the reason (a scanner's 5 ms per key would be a scan).
        type_text(display, "Promised a refund by phone")
        key(display, "Return")
        pending = _wait(lambda: one(
            "SELECT id, requested_outcome, amount FROM approvals WHERE status = 'pending'"),
            10, "the exception request")
        assert pending[1] == "refund"
        # The whole reason as typed: no key of it was taken as a hotkey.
        assert one(f"SELECT reason FROM approvals WHERE id = {pending[0]}") == (
            "Promised a refund by phone",)
        _wait(lambda: any(labels.glob("*")), 10, "the hold-shelf tag")
        sign_out(display)  # Ines signs out; Maria signs in at this bench
        sign_in(display, "m444444", "Maria")  # Maria, by her first letter
        go(display, "F4", "Approvals")
        key(display, "a", "Return")
        _wait(lambda: one(f"SELECT status FROM approvals WHERE id = {pending[0]}")
              == ("approved",), 10, "the approval")
        final = one("SELECT d.resolution, d.refund FROM decisions d JOIN return_items i ON "
                    "i.id = d.return_item_id JOIN return_authorizations r ON r.id = i.rma_id "
                    f"WHERE r.number = '{number}' AND d.superseded = 0")
        assert final is not None and final[0] == "refund"
        jobs = _wait(lambda: (rows := one("SELECT count(*) FROM print_jobs WHERE status = "
                                          "'sent'")) and cast(int, rows[0]) >= 2 and rows, 10,
                     "the final label")
        assert jobs[0] == 2  # the hold-shelf tag, then the item's final label
    finally:
        err = _stop(app)
    assert "Traceback" not in err
    outbox = tmp_path / "outbox"
    exported = subprocess.run([sys.executable, "main.py", "export-settlements", "--outbox",
                               str(outbox), "--db", url], cwd=ROOT, capture_output=True,
                              text=True, env={**os.environ,
                                              "RETURNBENCH_DATA_DIR": str(tmp_path / "data"),
                                              "RETURNBENCH_USER": "maria",
                                              "RETURNBENCH_PIN": "444444"})
    assert exported.returncode == 0, exported.stderr
    import json
    records = [json.loads(p.read_text()) for p in outbox.glob("decision-*.json")]
    expected = f"{(int(price) + int(tax)) / 100:.2f}"
    assert [(r["rma"], r["resolution"], r["refund"]) for r in records] == [
        (number, "refund", expected)]


def test_a_scan_on_inspect_is_a_scan_not_hotkeys(display: str, tmp_path: Path) -> None:
    """The first release's worst bench bug, played with real X key events: with a dress
    open on Inspect (graded B, not accepted), the inspector scans the next parcel without
    pressing F1. R, M, 5 and Enter in the label must not tick, clear, grade or accept: the
    next parcel is received, no decision and no label exist, the form is kept as a draft."""
    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    with sqlite3.connect(db) as conn:
        first, second = (r[0] for r in conn.execute(
            "SELECT number FROM return_authorizations WHERE number LIKE '%5%' "
            "ORDER BY id LIMIT 2").fetchall())
    app = _start_bench(display, tmp_path, url)

    def one(sql: str) -> tuple[object, ...]:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchone()  # type: ignore[no-any-return]

    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        scan(display, first)
        _wait(lambda: one("SELECT count(*) FROM receipts")[0] == 1, 10, "the first receipt")
        go(display, "F2", "Inspect")
        key(display, "2")  # grade B, by hand
        _wait(lambda: one("SELECT count(*) FROM inspections WHERE grade = 'B'")[0] == 1, 10,
              "the draft")
        # The next parcel, scanned straight away on Inspect.
        scan(display, second)
        _wait(lambda: one("SELECT count(*) FROM receipts")[0] == 2, 10, "the second receipt")
        wait_title(display, "Receive")  # the scan took the bench to the next parcel
        assert one("SELECT count(*) FROM decisions")[0] == 0
        assert one("SELECT count(*) FROM print_jobs")[0] == 0
        assert one("SELECT grade, is_draft FROM inspections")[0:2] == ("B", 1)
        shot = tmp_path / "after-scan.png"
        subprocess.run(["import", "-window", "root", str(shot)],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)
    finally:
        err = _stop(app)
    assert "Traceback" not in err


def test_a_dress_into_its_tote_and_onto_its_shelf(display: str, tmp_path: Path) -> None:
    """Issue 18 with real X key events: tote plates printed at put-away (Ctrl+P), a
    parcel scanned, graded (1) and decided (Enter), its tote's plate scanned as a wedge
    scanner types it, the tote closed (Ctrl+T, its manifest prints), then at put-away
    (F8) the tote scanned and a shelf that takes it: the dress is there, each move
    recorded."""
    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    with sqlite3.connect(db) as conn:
        (number,) = conn.execute(  # one dress under the $250 a manager approves
            "SELECT r.number FROM return_authorizations r JOIN return_items i ON "
            "i.rma_id = r.id JOIN order_lines ol ON ol.id = i.order_line_id "
            "GROUP BY r.id HAVING count(*) = 1 AND max(ol.unit_price_paid) < 20000 "
            "ORDER BY r.id LIMIT 1").fetchone()
    app = _start_bench(display, tmp_path, url)

    def one(sql: str) -> tuple[object, ...]:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchone()  # type: ignore[no-any-return]

    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        go(display, "F8", "Put-away")
        key(display, "ctrl+p")
        _wait(lambda: one("SELECT count(*) FROM totes")[0] == 10, 10, "ten tote plates")
        (tote,) = one("SELECT code FROM totes ORDER BY id LIMIT 1")
        go(display, "F1", "Receive")
        scan(display, number)
        _wait(lambda: one("SELECT count(*) FROM receipts")[0] == 1, 10, "the receipt")
        go(display, "F2", "Inspect")
        key(display, "1", "Return")
        _wait(lambda: one("SELECT count(*) FROM decisions")[0] == 1, 10, "the decision")
        (disposition,) = one("SELECT disposition FROM decisions")
        if one("SELECT count(*) FROM qa_samples")[0]:  # set aside for a blind re-grade
            disposition = "qa"
        wait_title(display, "Receive")
        scan(display, str(tote))  # on Receive, where the bench went back after Enter
        _wait(lambda: one("SELECT tote_id FROM return_items i JOIN return_authorizations r "
                          f"ON r.id = i.rma_id WHERE r.number = '{number}'")[0], 10,
              "the dress in its tote")
        key(display, "ctrl+t")
        _wait(lambda: one("SELECT count(*) FROM print_jobs WHERE kind = 'manifest' AND "
                          "status = 'sent'")[0] == 1, 10, "the manifest")
        assert one(f"SELECT status FROM totes WHERE code = '{tote}'")[0] == "closed"
        go(display, "F8", "Put-away")
        scan(display, str(tote))
        _wait(lambda: one("SELECT count(*) FROM locations") != (0,), 10, "the location map")
        with sqlite3.connect(db) as conn:
            shelf = next(code for code, takes in conn.execute(
                "SELECT code, takes FROM locations ORDER BY id")
                if f'"{disposition}"' in takes)
        scan(display, shelf)
        _wait(lambda: one("SELECT count(*) FROM item_moves")[0] == 2, 10, "the put-away")
        assert one("SELECT l.code FROM return_items i JOIN locations l ON "
                   "l.id = i.location_id")[0] == shelf
        assert one("SELECT count(*) FROM audit_events WHERE action = 'tote.put_away'")[0] == 1
        subprocess.run(["import", "-window", "root", str(tmp_path / "put-away.png")],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)
    finally:
        err = _stop(app)
    assert "Traceback" not in err


def test_one_box_with_several_returns(display: str, tmp_path: Path) -> None:
    """Issue 29 item 11 with real X key events: a carrier label two returns share, scanned
    as a wedge scanner types it, receives both; Ctrl+A, then the label of a third return
    found in the box, adds it to this box (its receipt carries the box's label)."""
    from models.db import make_engine, make_session_factory
    from tests.integration.test_one_box import same_label, split_order

    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    engine = make_engine(url)
    try:
        first, second, tracking = same_label(make_session_factory(engine))
        third, _fourth, _order = split_order(make_session_factory(engine))
    finally:
        engine.dispose()
    app = _start_bench(display, tmp_path, url)

    def receipts() -> dict[str, str]:
        with sqlite3.connect(db) as conn:
            return dict(conn.execute(
                "SELECT r.number, rc.scanned_code FROM receipts rc JOIN "
                "return_authorizations r ON r.id = rc.rma_id"))

    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        scan(display, tracking)
        assert _wait(lambda: len(receipts()) == 2 and receipts(), 10, "the box's returns") \
            == {first: tracking, second: tracking}
        key(display, "ctrl+n")  # the box's other return shown
        key(display, "ctrl+a")  # another return found in this box
        scan(display, third)
        assert _wait(lambda: len(receipts()) == 3 and receipts(), 10, "the third return") \
            == {first: tracking, second: tracking, third: tracking}
        subprocess.run(["import", "-window", "root", str(tmp_path / "one-box.png")],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)
    finally:
        err = _stop(app)
    assert "Traceback" not in err


def test_an_unexpected_return_received_linked_and_decided(display: str,
                                                          tmp_path: Path) -> None:
    """Issue 29 item 11 with real X key events: a parcel no return matches; Ines finds
    the customer (Ctrl+F), receives it as an unexpected return (Ctrl+U, the dress's SKU
    tag scanned, grade B, Enter); Sam links it on Needs a look (F10, L, Enter); Ines
    scans the same label and one Enter decides the return it became."""
    from models.db import make_engine, make_session_factory
    from tests.integration.test_unexpected import order_without_return

    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    engine = make_engine(url)
    try:
        order, sku = order_without_return(make_session_factory(engine))
    finally:
        engine.dispose()
    label = "1Z999AA10123456784"
    app = _start_bench(display, tmp_path, url)

    def parcel() -> tuple[str, str | None, str | None] | None:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT u.status, u.grade, r.number FROM unexpected_returns u "
                "LEFT JOIN return_authorizations r ON r.id = u.rma_id").fetchone()
        return (str(row[0]), row[1], row[2]) if row else None

    def decided(number: str) -> str | None:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT i.decision_status FROM return_items i JOIN return_authorizations r "
                "ON r.id = i.rma_id WHERE r.number = ?", (number,)).fetchone()
        return row[0] if row and row[0] != "pending" else None

    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        scan(display, label)  # no return carries it: the no-match panel
        key(display, "ctrl+f")
        type_text(display, order)
        key(display, "Return")
        key(display, "ctrl+u")  # from the customer found
        scan(display, sku)  # the dress's tag: what is in the box; then the grade
        type_text(display, "b")
        key(display, "Return")
        assert _wait(parcel, 10, "the unexpected return") == ("held", "B", None)
        subprocess.run(["import", "-window", "root", str(tmp_path / "unexpected.png")],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)
        sign_out(display)
        sign_in(display, "s333333", "Sam")
        go(display, "F10", "Needs a look")
        key(display, "l")  # the order the bench found is typed in for him
        key(display, "Return")
        linked = _wait(lambda: (p := parcel()) is not None and p[0] == "linked" and p, 10,
                       "the link")
        rma = linked[2]
        assert rma is not None
        subprocess.run(["import", "-window", "root", str(tmp_path / "linked.png")],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)
        sign_out(display)
        _sign_in_as_ines(display)
        scan(display, label)  # the parcel's own label finds the return it became
        go(display, "F2", "Inspect")
        key(display, "Return")  # graded B at the bench, its tag read: one Enter decides
        assert _wait(lambda: decided(rma), 15, "the decision") == "decided"
    finally:
        err = _stop(app)
    assert "Traceback" not in err
