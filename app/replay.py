"""`main.py replay SCRIPT`: a script of bench inputs run through the bench session, the
same one the window drives, one JSON line out per step.

The script is JSON lines (blank lines and lines starting with # are skipped), one input
each; `unit` defaults to the first item still to decide, `expect` to "ok or warn":
    {"sign_in": "ines"}                      PIN from RETURNBENCH_PIN_INES or standard input
    {"scan": "RMA-2026-000123-4"}            a label; one box with several returns receives them all
    {"add_to_box": "RMA-2026-000124-1"}      another return found in the same box (Ctrl+A)
    {"next_in_box": true}                    the box's next return (Ctrl+N)
    {"mark": 2, "status": "missing"}         received | missing | wrong_item
    {"grade": "A"}                           A-D, X; also {"grade": "B", "unit": 2}
    {"set": {"worn": true, "damage_severity": "minor", "damage_cause": "shipping"}}
    {"photo": "whole.jpg", "slot": "whole_item"}   a file, relative to the script
    {"accept": true}
    {"exception": "refund", "reason": "Customer was promised a refund on the phone"}
    {"answer": "last", "as": "maria", "approve": true, "note": "ok"}
    {"answer": 12, "as": "maria", "approve": false, "note": "no", "instead": "store_credit"}
    {"unexpected": "1Z...", "what": "ST-1042-NVY-8", "grade": "B", "order": "KP-01234",
     "notes": "no slip in the box"}      a parcel with no return (what: a SKU or words;
                                             order: the one its customer was found by)
    {"link_unexpected": "last", "order": "KP-01234 2", "note": "..."}   a supervisor
    {"send_back_unexpected": "last", "note": "..."}                    a supervisor
    {"sign_out": true}
    any step may add "expect": "error" (or "ok", "warn") to say what it should give.
A user deactivated, or given another role, while the script runs is refused at the next
step: that step's line says why ("signed_out"), the reason is one line on stderr, and the
rest of the script is not run (exit 1).
PINs are never in the script or on the command line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from app.bench import ERROR, BenchSession, Screen
from app.domain.enums import DamageCause, DamageSeverity, Grade, PhotoSlot, ReceptionStatus
from app.errors import BadInput, ReturnBenchError, user_message

FIELDS: dict[str, Callable[[Any], Any]] = {
    "worn": bool, "altered": bool, "tags_attached": bool,
    "matches_order": lambda v: None if v is None else bool(v),
    "damage_severity": DamageSeverity, "notes": str,
    "damage_cause": lambda v: DamageCause(v) if v is not None else None,
    "marks": lambda v: frozenset(v),
}


@dataclass(frozen=True)
class Step:
    line: int
    data: dict[str, Any]


def read_script(text: str) -> Iterator[Step]:
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"line {n}: not a JSON object ({exc.msg})") from exc
        if not isinstance(data, dict) or not data:
            raise BadInput(f"line {n}: each line is one JSON object such as "
                           '{"scan": "RMA-..."}')
        yield Step(n, data)


class Replay:
    def __init__(self, session: BenchSession, base: Path, pin_source: TextIO | None = None,
                 photo: Callable[[str, int, bytes, PhotoSlot], str] | None = None) -> None:
        self.session = session
        self.base = base
        self._stdin = pin_source
        self._photo = photo
        self.last_approval: int | None = None
        self.last_unexpected: int | None = None

    def pin(self, username: str) -> str:
        pin = os.environ.get(f"RETURNBENCH_PIN_{username.upper()}")
        if pin is not None:
            return pin
        if self._stdin is None:
            raise BadInput(f"No PIN for {username}: set RETURNBENCH_PIN_{username.upper()} "
                           "or give it on standard input.")
        try:
            line = self._stdin.readline()
        except (OSError, ValueError):  # no terminal, or a closed one
            line = ""
        if not line:
            raise BadInput(f"No PIN for {username}: set RETURNBENCH_PIN_{username.upper()} "
                           "or give it on standard input.")
        return line.rstrip("\r\n")

    def _unit(self, data: dict[str, Any]) -> int:
        if "unit" in data:
            return int(data["unit"])
        pending = sorted(self.session.forms)
        if not pending:
            raise BadInput("No item left to decide on this parcel: name the unit.")
        return pending[0]

    def _ensure_inspecting(self) -> None:
        parcel = self.session.parcel
        if parcel is not None and not self.session.forms and any(
                it.decision_status.value == "pending" for it in parcel.items):
            self.session.open_inspection()

    def run_step(self, data: dict[str, Any]) -> Screen:
        s = self.session
        if "sign_in" in data:
            name = str(data["sign_in"])
            return s.sign_in(name, self.pin(name))
        if "sign_out" in data:
            s.sign_out()
            return Screen("ok", "Signed out.")
        # before "grade": an unexpected return's step carries its grade
        if "unexpected" in data:
            screen = s.receive_unexpected(str(data["unexpected"]), data.get("order"),
                                          str(data.get("what", "")),
                                          Grade(str(data.get("grade", "")).upper()),
                                          str(data.get("notes", "")))
            if "unexpected_id" in screen.data:
                self.last_unexpected = int(screen.data["unexpected_id"])
            return screen
        if "link_unexpected" in data:
            return s.link_unexpected(self._unexpected(data["link_unexpected"]),
                                     str(data.get("order", "")), str(data.get("note", "")))
        if "send_back_unexpected" in data:
            return s.send_back_unexpected(self._unexpected(data["send_back_unexpected"]),
                                          str(data.get("note", "")))
        if "scan" in data:
            return s.scan(str(data["scan"]))
        if "add_to_box" in data:
            return s.add_to_box(str(data["add_to_box"]))
        if "next_in_box" in data:
            return s.next_in_box()
        if "mark" in data:
            return s.mark(int(data["mark"]), ReceptionStatus(data.get("status", "received")))
        if "inspect" in data:
            return s.open_inspection()
        if "grade" in data:
            self._ensure_inspecting()
            unit = self._unit(data)
            # The grade and what it answers by itself, as the Inspect page sets them.
            form = s.with_grade(unit, Grade(str(data["grade"]).upper()))
            return s.edit(unit, grade=form.grade, tags_attached=form.tags_attached,
                          matches_order=form.matches_order,
                          damage_severity=form.damage_severity)
        if "set" in data:
            self._ensure_inspecting()
            changes = {}
            for key, value in dict(data["set"]).items():
                if key not in FIELDS:
                    raise BadInput(f"Unknown field {key!r}: one of {', '.join(FIELDS)}.")
                changes[key] = FIELDS[key](value)
            return s.edit(self._unit(data), **changes)
        if "photo" in data:
            self._ensure_inspecting()
            if self._photo is None or s.parcel is None or not s.parcel.rma_number:
                return Screen(ERROR, "Scan a parcel before taking photos.", "bad")
            path = self.base / str(data["photo"])
            try:
                image = path.read_bytes()
            except OSError as exc:
                raise BadInput(f"Cannot read the photo {path}: {exc.strerror}.") from exc
            unit = self._unit(data)
            # Through the session, which counts it on the unit's form.
            message = self._photo(s.parcel.rma_number, unit, image,
                                  PhotoSlot(data.get("slot", "other")))
            return Screen("ok", message, "good")
        if "accept" in data:
            self._ensure_inspecting()
            return s.accept()
        if "exception" in data:
            self._ensure_inspecting()
            screen = s.request_exception(self._unit(data), str(data.get("reason", "")),
                                         str(data["exception"]))
            if "approval" in screen.data:
                self.last_approval = int(screen.data["approval"])
            return screen
        if "answer" in data:
            target = data["answer"]
            approval = self.last_approval if target == "last" else int(target)
            if approval is None:
                raise BadInput('No request to answer yet ("answer": "last").')
            who = str(data.get("as", ""))
            return s.answer(approval, who, self.pin(who), bool(data.get("approve", True)),
                            str(data.get("note", "")), data.get("instead"))
        raise BadInput(f"Unknown input {sorted(data)}: see `main.py replay --help`.")

    def _unexpected(self, target: Any) -> int:
        found = self.last_unexpected if target == "last" else int(target)
        if found is None:
            raise BadInput('No unexpected return received yet ("last").')
        return found

    def run(self, script: str, out: TextIO | None = None) -> int:
        """Run every step; exit 0 when each gave what it expected, else 1."""
        out = out or sys.stdout
        failed = 0
        for number, step in enumerate(read_script(script), 1):
            data = dict(step.data)
            expect = data.pop("expect", None)
            try:
                screen = self.run_step(data)
            except ReturnBenchError as exc:
                screen = Screen(ERROR, user_message(exc), "bad")
            except (ValueError, TypeError, KeyError) as exc:
                screen = Screen(ERROR, f"line {step.line}: {exc}", "bad")
            ok = screen.level == expect if expect else screen.level != ERROR
            failed += not ok
            record = {"step": number, "line": step.line, "input": data,
                      **screen.as_json(), "as_expected": ok}
            reason = self.session.signed_out
            if reason is not None:  # deactivated or given another role meanwhile
                record.update(place="sign_in", signed_out=reason)
            print(json.dumps(record, default=str), file=out, flush=True)
            if reason is not None:
                # Nothing more is done in their name: the rest of the script is refused.
                print(f"replay stopped at line {step.line}: {reason}", file=sys.stderr)
                return 1
        return 0 if not failed else 1
