"""No crash on bad input (issue 16), property-based: hypothesis makes malformed cases,
policy files, CSV rows, image headers and codes for the commands, and calls the command
line's entry point in-process (fast). Every run must end in exit 0, 2 or 3 with at most
one line on stderr, never "Unexpected error", and a refused import writes nothing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import run
from app.services.demo_data import load_demo_data
from models.db import make_engine, make_session_factory, upgrade
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "tests/data/case_contract_example.json").read_text())
POLICY = (ROOT / "resources/policies/kissprom.toml").read_text()
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Values that broke the first release, and their kind: huge, deep, odd, out of range.
NASTY = st.one_of(
    st.sampled_from(["1e30", "9" * 29, "1" * 5000, "-0", "NaN", "Infinity", "0x10", "",
                     " ", "١٢٣", "0001-01-01", "9999-12-31", "2026-02-30", "=cmd|' /C calc'!A0",
                     "+SUM(1)", "@sum(1)", "#3001", "#30-01", "\x00", "💃" * 50]),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.text(max_size=60),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.none(),
                                                        max_size=2),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


PATHS = list(_paths(EXAMPLE))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _refusal_is_clean(code: int, err: str) -> None:
    assert code in (0, 2, 3), err
    assert "Unexpected error" not in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= 1, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bad") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=20, seed=2, today=NOW.date())
    engine.dispose()
    return f"sqlite:///{path}"


@FAST
@given(path=st.sampled_from(PATHS), value=NASTY)
def test_decide_refuses_any_malformed_case(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           path: tuple[Any, ...], value: Any) -> None:
    case = tmp_path / "case.json"
    doc = _set(json.loads(json.dumps(EXAMPLE)), path, value)
    case.write_text(json.dumps(doc, allow_nan=True))
    code = run(["decide", str(case)])
    _refusal_is_clean(code, capsys.readouterr().err)


@FAST
@given(raw=st.one_of(st.binary(max_size=300),
                     st.integers(min_value=1, max_value=200_000).map(
                         lambda n: "[" * n + "]" * n),
                     st.integers(min_value=4301, max_value=9000).map(lambda n: "1" * n)))
def test_decide_refuses_any_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 raw: bytes | str) -> None:
    case = tmp_path / "case.json"
    case.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    code = run(["decide", str(case)])
    _refusal_is_clean(code, capsys.readouterr().err)


POLICY_NUMBERS = [line.split("=")[0].strip() for line in POLICY.splitlines()
                  if "=" in line and line.split("=")[1].strip()[:1].isdigit()]


@FAST
@given(key=st.sampled_from(POLICY_NUMBERS), value=st.one_of(
    st.integers(min_value=-(10 ** 20), max_value=10 ** 20).map(str),
    st.sampled_from(["99999999", "-1", '"abc"', "1.5", "[]", "true", "1e400"])),
    drop=st.booleans())
def test_a_broken_policy_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         key: str, value: str, drop: bool) -> None:
    lines = []
    for line in POLICY.splitlines():
        if line.split("=")[0].strip() == key:
            if drop:
                continue
            line = f"{key} = {value}"
        lines.append(line)
    policy = tmp_path / "policy.toml"
    policy.write_text("\n".join(lines))
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EXAMPLE))
    code = run(["decide", str(case), "--policy", str(policy)])
    _refusal_is_clean(code, capsys.readouterr().err)


ORDER_COLUMNS = ["Name", "Email", "Created at", "Lineitem quantity", "Lineitem name",
                 "Lineitem price", "Lineitem sku", "Shipping Zip", "Subtotal", "Shipping",
                 "Taxes", "Total", "Vendor"]
GOOD_ORDER = {"Name": "#5001", "Email": "a@example.com",
              "Created at": "2026-11-01 10:00:00 -0500", "Lineitem quantity": "1",
              "Lineitem name": "Gown", "Lineitem price": "120.00",
              "Lineitem sku": "KP-EVG-1021-RED-6", "Shipping Zip": "10001",
              "Subtotal": "120.00", "Shipping": "0.00", "Taxes": "9.00", "Total": "129.00",
              "Vendor": "Kiss Prom"}
RMA_COLUMNS = ["RMA", "Order", "SKU", "Reason", "Requested", "Quantity", "Delivered on"]
GOOD_RMA = {"RMA": "RMA-2025-000601-0", "Order": "#5001", "SKU": "KP-EVG-1021-RED-6",
            "Reason": "sizing", "Requested": "refund", "Quantity": "1",
            "Delivered on": "2026-11-05"}
CELL = st.one_of(NASTY.map(lambda v: v if isinstance(v, str) else json.dumps(v)),
                 st.sampled_from(["50000000", "-1", "1e30", "0", "2999-01-01"]))


def _csv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _business_rows(url: str) -> tuple[int, ...]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                     ("orders", "order_lines", "return_authorizations", "return_items"))


@FAST
@given(kind=st.sampled_from(["import-orders", "import-rmas"]), data=st.data())
def test_a_bad_import_row_is_refused_and_writes_nothing(
        demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, kind: str, data: st.DataObject) -> None:
    monkeypatch.setenv("RETURNBENCH_USER", "maria")
    monkeypatch.setenv("RETURNBENCH_PIN", "444444")
    columns, good = (ORDER_COLUMNS, GOOD_ORDER) if kind == "import-orders" \
        else (RMA_COLUMNS, GOOD_RMA)
    column = data.draw(st.sampled_from(columns))
    row = {**good, column: data.draw(CELL)}
    path = tmp_path / "file.csv"
    path.write_bytes(_csv(columns, [good, row]))
    before = _business_rows(demo_db)
    args = [kind, str(path), "--db", demo_db]
    code = run(args + (["--format", "shopify"] if kind == "import-orders" else []))
    _refusal_is_clean(code, _last_error(capsys))
    if code != 0:
        assert _business_rows(demo_db) == before


def _last_error(capsys: pytest.CaptureFixture[str]) -> str:
    """An import names each rejected row on stderr (one line each) after its summary; the
    contract here is on the lines that are not row rejections."""
    err = capsys.readouterr().err
    return "\n".join(line for line in err.splitlines() if not line.startswith("  rejected "))


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body \
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) \
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@FAST
@given(image=st.one_of(
    st.tuples(st.integers(1, 2 ** 31 - 1), st.integers(1, 2 ** 31 - 1)).map(lambda s: _png(*s)),
    st.binary(max_size=200), st.binary(max_size=50).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)))
def test_decode_refuses_any_image(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  image: bytes) -> None:
    path = tmp_path / "label.png"
    path.write_bytes(image)
    code = run(["decode", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2, 3) and "Unexpected error" not in err, err  # 1: none readable
    assert len(err.strip().splitlines()) <= 1, err


@FAST
@given(code=st.one_of(NASTY.map(str), st.text(max_size=200)))
def test_lookup_refuses_any_code(demo_db: str, capsys: pytest.CaptureFixture[str],
                                 code: str) -> None:
    if code.startswith("-"):
        code = " " + code  # not an option
    result = run(["lookup", code, "--db", demo_db])
    _refusal_is_clean(result, capsys.readouterr().err)


def test_the_good_rows_import(demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows the properties spoil are good ones: unspoilt, they import."""
    monkeypatch.setenv("RETURNBENCH_USER", "maria")
    monkeypatch.setenv("RETURNBENCH_PIN", "444444")
    orders, rmas = tmp_path / "orders.csv", tmp_path / "rmas.csv"
    orders.write_bytes(_csv(ORDER_COLUMNS, [GOOD_ORDER]))
    rmas.write_bytes(_csv(RMA_COLUMNS, [GOOD_RMA]))
    assert run(["import-orders", str(orders), "--format", "shopify", "--db", demo_db]) == 0, \
        capsys.readouterr().err
    assert run(["import-rmas", str(rmas), "--db", demo_db]) == 0, capsys.readouterr().err
