"""Reading an import CSV by column name: the header matched without regard to case,
spacing or a byte-order mark; each row handed out with the line it starts on (a quoted
field may span lines) and a getter by column name. A file that is not UTF-8, not CSV, or
lacks a required column, or names a column twice, is refused whole."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.errors import BadInput

Getter = Callable[[str], str]
MAX_BYTES = 50_000_000  # sizes are bounded before any work starts
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def column_key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


def read_rows(data: bytes, required: tuple[str, ...], what: str,
              errors: list[RowError]) -> Iterator[tuple[int, Getter]]:
    """(line, get) for each non-blank row; a row the CSV reader cannot read ends the file
    with an error in `errors`."""
    if len(data) > MAX_BYTES:
        raise BadInput(f"The file is {len(data) // 1_000_000} MB; an import takes at most "
                       f"{MAX_BYTES // 1_000_000} MB: split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"The file is not UTF-8 text (byte {exc.start}); save or export it "
                       "again as UTF-8 CSV.") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise BadInput("The file is empty.") from exc
    except csv.Error as exc:
        raise BadInput(f"Not a CSV file: {exc}.") from exc
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        key = column_key(h)
        if key in columns and key:  # which copy holds the value cannot be told
            name = one_line(h.strip())[:60]
            raise BadInput(f"The file has the column {name!r} twice (columns "
                           f"{columns[key] + 1} and {i + 1}): nothing imported; keep one "
                           "and import the file again.")
        columns[key] = i
    missing = [c for c in required if column_key(c) not in columns]
    if missing:
        raise BadInput(f"Not {what}: no column " + ", ".join(missing)
                       + f" (found {', '.join(h.strip() for h in header[:8])}...).")
    start = 2  # the line the next row starts on
    rows = 0
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(RowError(start, f"unreadable CSV: {exc}"))
            return
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in raw):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise BadInput(f"More than {MAX_ROWS:,} rows: split the file.")

        def get(name: str, raw: list[str] = raw) -> str:
            i = columns.get(column_key(name))
            return raw[i].strip() if i is not None and i < len(raw) else ""

        yield line, get


def one_line(text: str) -> str:
    """A message quoting a row's bytes, on one printable line: control characters (a
    record separator, a form feed, a newline in a quoted cell) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def parse_rows(data: bytes, required: tuple[str, ...], what: str,
               handle: Callable[[int, Getter], None]) -> tuple[list[RowError], int]:
    """Hand each row to `handle(line, get)`; a ValueError it raises rejects that row with
    its message. Returns (rejected rows, rows read)."""
    errors: list[RowError] = []
    rows = 0
    for line, get in read_rows(data, required, what, errors):
        rows += 1
        try:
            handle(line, get)
        except ValueError as exc:
            errors.append(RowError(line, one_line(str(exc))))
    return errors, rows
