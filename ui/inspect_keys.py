"""The Inspect page's keys and checklist: the grades, the toggles and marks each key sets,
and the grid of checkable buttons they show as."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QPushButton

from app.domain.enums import DamageCause, DamageSeverity, Grade

GRADES = (
    (Grade.A, "New", "unworn, tags on, no marks"),
    (Grade.B, "Like new", "tried on, no flaws; steam or re-bag"),
    (Grade.C, "Minor flaw", "loose beads, small open seam, spot-cleans"),
    (Grade.D, "Damaged", "stain, tear, odour, missing parts, altered"),
    (Grade.X, "Not ours", "wrong item or empty parcel"),
)
SEVERITIES: list[DamageSeverity | None] = [None, *DamageSeverity]  # unset first
CAUSES: list[DamageCause | None] = [None, *DamageCause]
# key, attribute, label
TOGGLES = (
    (Qt.Key.Key_W, "worn", "W  Signs of wear"),
    (Qt.Key.Key_L, "altered", "L  Hem or seam altered"),
    (Qt.Key.Key_T, "tags_attached", "T  Tags attached"),
    (Qt.Key.Key_M, "matches_order", "M  Matches order (SKU, colour, size)"),
)
# The formalwear checklist: findings recorded with the inspection (key, mark, label).
MARKS = (
    (Qt.Key.Key_Y, "makeup", "Y  Makeup, deodorant, perfume"),
    (Qt.Key.Key_N, "stains", "N  Stains"),
    (Qt.Key.Key_U, "odour", "U  Odour"),
    (Qt.Key.Key_B, "beads", "B  Loose beads, sequins"),
    (Qt.Key.Key_Z, "zipper", "Z  Zipper"),
    (Qt.Key.Key_R, "tears", "R  Tears"),
)


def checkable_grid(items: tuple[tuple[Qt.Key, str, str], ...], columns: int, name: str,
                    on_click: Callable[[str], None]
                    ) -> tuple[QGridLayout, dict[str, QPushButton]]:
    """A grid of checkable buttons, one per (key, name, label), clicking calls on_click."""
    grid = QGridLayout()
    buttons: dict[str, QPushButton] = {}
    for n, (_key, item, label) in enumerate(items):
        b = QPushButton(label)
        b.setCheckable(True)
        b.setObjectName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(lambda _c=False, i=item: on_click(i))
        grid.addWidget(b, n // columns, n % columns)
        buttons[item] = b
    return grid, buttons
