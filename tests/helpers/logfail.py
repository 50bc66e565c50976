"""Fail a test on any unexpected WARNING or worse logged during it (qutebrowser's idea)."""

from __future__ import annotations

import logging

import pytest


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_logged_warnings(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
    if request.node.get_closest_marker("allow_log_warnings"):
        return
    if collector.records:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records)
        pytest.fail(f"unexpected logged warnings:\n{lines}", pytrace=False)
