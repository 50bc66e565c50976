"""The location map (resources/locations/locations.toml): the places on the floor, what
each takes and holds, and how many dresses a tote carries. Read once per file content;
a bad file is refused with the file, key and reason."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.domain.enums import Disposition
from app.errors import BadInput

LOCATIONS_FILE = Path(__file__).resolve().parents[1] / "resources" / "locations" / \
    "locations.toml"
KINDS = ("restock", "steam", "refurbish", "outlet", "liquidation", "donation", "quarantine",
         "outbound", "qa")
DISPOSITIONS = (*(d.value for d in Disposition), "quarantine", "qa")  # qa: blind re-grade
MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class LocationSpec:
    code: str
    name: str
    kind: str
    takes: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class LocationMap:
    locations: tuple[LocationSpec, ...]
    tote_capacity: int
    sha256: str
    warehouse: str = "ReturnBench returns warehouse"  # the donor on donation manifests

    def get(self, code: str) -> LocationSpec | None:
        return next((loc for loc in self.locations if loc.code == code.strip().upper()), None)


_cache: dict[str, LocationMap] = {}


def load_locations(path: Path = LOCATIONS_FILE) -> LocationMap:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Location map {path} cannot be read: {exc.strerror}.") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest in _cache:
        return _cache[digest]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not valid TOML: {exc}") from exc
    totes = data.get("totes", {})
    tote_capacity = totes.get("capacity", 12) if isinstance(totes, dict) else None
    if not isinstance(tote_capacity, int) or not 1 <= tote_capacity <= 50:
        raise BadInput(f"{path}: [totes] capacity: a whole number of dresses, 1 to 50.")
    house = data.get("warehouse", {})
    warehouse = house.get("name", "ReturnBench returns warehouse") \
        if isinstance(house, dict) else None
    if not isinstance(warehouse, str) or not warehouse.strip() or len(warehouse) > 120:
        raise BadInput(f"{path}: [warehouse] name: 1-120 characters (the donor named on "
                       "donation manifests).")
    rows = data.get("location")
    if not isinstance(rows, list) or not rows:
        raise BadInput(f"{path}: no [[location]] entries: list the places on the floor.")
    out, seen = [], set()
    for n, row in enumerate(rows, 1):
        where = f"{path}: location {n}"
        if not isinstance(row, dict):
            raise BadInput(f"{where}: must be a table")
        code = row.get("code")
        if not isinstance(code, str) or not 1 <= len(code.strip()) <= 12 \
                or not code.strip().replace("-", "").isalnum():
            raise BadInput(f"{where}: code: 1-12 letters, digits and dashes, e.g. \"R-A-01\"")
        code = code.strip().upper()
        if code in seen:
            raise BadInput(f"{where}: code {code} is listed twice")
        seen.add(code)
        name = row.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            raise BadInput(f"{where} ({code}): name: 1-120 characters")
        kind = row.get("kind")
        if kind not in KINDS:
            raise BadInput(f"{where} ({code}): kind: one of {', '.join(KINDS)}")
        takes = row.get("takes")
        if not isinstance(takes, list) or not takes or any(t not in DISPOSITIONS
                                                           for t in takes):
            raise BadInput(f"{where} ({code}): takes: a list of dispositions "
                           f"({', '.join(DISPOSITIONS)})")
        capacity = row.get("capacity")
        if not isinstance(capacity, int) or isinstance(capacity, bool) \
                or not 1 <= capacity <= MAX_CAPACITY:
            raise BadInput(f"{where} ({code}): capacity: a whole number of dresses, 1 to "
                           f"{MAX_CAPACITY:,}")
        out.append(LocationSpec(code, name.strip(), kind, tuple(takes), capacity))
    result = LocationMap(tuple(out), tote_capacity, digest, warehouse.strip())
    _cache[digest] = result
    return result
