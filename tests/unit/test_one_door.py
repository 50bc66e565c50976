"""Every change of a returned unit's state goes through one door, `move` in
app/services/unit_moves.py. Read from the source (AST), so a service that assigns a
status, sets it in bulk, in SQL or by `setattr` is named here; a unit is only born
awaiting (or extra) and pending."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATUS = {"reception_status", "decision_status"}
DOOR = "app/services/unit_moves.py"
# Files that write the column without the door, each with its reason.
EXCEPTIONS = {
    "models/migrations/versions/0006_unit_lifecycle.py":
        "a schema migration folds the legacy approved/rejected rows into decided, once, "
        "before any service runs",
}
# A unit's first state: not a change, and only these.
BORN = {"reception_status": {"ReceptionStatus.AWAITING", "ReceptionStatus.EXTRA"},
        "decision_status": {"DecisionStatus.PENDING"}}
# Calls that take a status keyword without writing it: read-only views for the screens.
VIEWS = {"ReturnItemView": "app/services/lookup.py: the screen's copy of the unit"}
SQL_SET = re.compile(r"(?is)\bset\b.*\b(reception|decision)_status\s*=")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _targets(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.Tuple | ast.List):
        return [t for elt in node.elts for t in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return [node]


def writes(source: str, path: str) -> list[str]:
    """Each place in `source` that changes a unit's status outside the door."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in _targets(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = _targets(node.target)
        out += [f"{where}: assigns {t.attr}" for t in targets
                if isinstance(t, ast.Attribute) and t.attr in STATUS]
        if isinstance(node, ast.Call):
            callee = _name(node.func)
            if callee == "setattr" and len(node.args) > 1 and isinstance(
                    node.args[1], ast.Constant) and node.args[1].value in STATUS:
                out.append(f"{where}: setattr {node.args[1].value}")
            for kw in node.keywords:
                if kw.arg not in STATUS or callee in VIEWS:
                    continue
                if callee == "ReturnItem" and ast.unparse(kw.value) in BORN[kw.arg]:
                    continue  # born so
                out.append(f"{where}: {callee}({kw.arg}={ast.unparse(kw.value)})")
        if isinstance(node, ast.Dict):
            out += [f"{where}: a row with {k.value}" for k in node.keys
                    if isinstance(k, ast.Constant) and k.value in STATUS]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and SQL_SET.search(node.value):
            out.append(f"{where}: SQL sets a status")
    return out


def _sources() -> list[Path]:
    return sorted(p for top in ("app", "models") for p in (ROOT / top).rglob("*.py"))


def test_no_module_but_the_door_changes_a_units_state() -> None:
    found = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel != DOOR and rel not in EXCEPTIONS:
            found += writes(path.read_text(), rel)
    assert found == [], "\n".join(found)


def test_the_door_and_the_exceptions_are_where_they_say() -> None:
    door = writes((ROOT / DOOR).read_text(), DOOR)
    assert {w.split(": ")[1] for w in door} == {"assigns reception_status",
                                                "assigns decision_status"}
    for rel in EXCEPTIONS:  # still there, still writing: or the exception goes
        assert writes((ROOT / rel).read_text(), rel), rel


def test_the_reader_catches_every_way_of_writing() -> None:
    source = '''
item.decision_status = DecisionStatus.DECIDED
a.reception_status, b = ReceptionStatus.RECEIVED, 1
setattr(item, "decision_status", status)
s.execute(update(ReturnItem).values(decision_status="completed"))
s.execute(update(ReturnItem).values({"reception_status": "missing"}))
s.execute(text("UPDATE return_items SET decision_status = 'decided' WHERE id = 1"))
ReturnItem(rma_id=1, reception_status=ReceptionStatus.RECEIVED)
ReturnItem(rma_id=1, reception_status=ReceptionStatus.AWAITING,
           decision_status=DecisionStatus.PENDING)
ReturnItemView(unit_no=1, decision_status=item.decision_status)
if item.decision_status == DecisionStatus.PENDING:
    select(ReturnItem).where(ReturnItem.decision_status.in_(READY))
'''
    found = writes(source, "x.py")
    assert sorted(int(f.split(":")[1]) for f in found) == [2, 3, 4, 5, 6, 7, 8], found
