"""The bin map (resources/bins/bins.toml): the place on the floor for a brand's
disposition, e.g. kissprom restock -> R-A-03. Read once per file content."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from app.errors import BadInput

BINS_FILE = Path(__file__).resolve().parents[2] / "resources" / "bins" / "bins.toml"
WORDS = {"restock": "RESTOCK", "prep_and_restock": "PREP / STEAM", "refurbish": "REFURBISH",
         "liquidate": "LIQUIDATE", "return_to_customer": "RETURN OUT", "hold": "HOLD SHELF",
         "quarantine": "QUARANTINE"}
_cache: dict[bytes, dict[str, dict[str, str]]] = {}


def load_bins(path: Path = BINS_FILE) -> dict[str, dict[str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Bin map {path} cannot be read: {exc.strerror}.") from exc
    key = hashlib.sha256(raw).digest()
    if key not in _cache:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}: not valid TOML: {exc}") from exc
        table: dict[str, dict[str, str]] = {}
        for section, places in data.items():
            if not isinstance(places, dict):
                raise BadInput(f"{path}: [{section}] must be a table of disposition = place")
            for disposition, place in places.items():
                if disposition not in WORDS:
                    raise BadInput(f"{path}: [{section}] {disposition}: unknown disposition "
                                   f"(one of {', '.join(WORDS)})")
                if not isinstance(place, str) or not place.strip() or len(place) > 12:
                    raise BadInput(f"{path}: [{section}] {disposition}: a place code of "
                                   "1-12 characters, e.g. \"R-A-03\"")
            table[section] = {k: str(v).strip() for k, v in places.items()}
        _cache[key] = table
    return _cache[key]


def place_for(brand: str | None, disposition: str | None) -> str | None:
    """The place code for a brand's disposition, or None when the map has none."""
    if not disposition:
        return None
    table = load_bins()
    return (table.get(brand or "", {}).get(disposition)
            or table.get("default", {}).get(disposition))
