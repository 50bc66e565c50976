"""The bin map: a brand's place for a disposition, the default for the rest, and a bad
file refused with the file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import BadInput
from app.printing.bins import load_bins, place_for


def test_places_by_brand_with_a_default() -> None:
    assert place_for("kissprom", "restock") == "R-A-03"
    assert place_for("stacees", "restock") == "R-B-01"
    assert place_for("kissprom", "liquidate") == "L-P-01"  # from [default]
    assert place_for("kissprom", "quarantine") == "Q-A-01"
    assert place_for(None, None) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("[kissprom]\nrestok = \"R-1\"\n", "restok: unknown disposition"),
    ("[kissprom]\nrestock = \"\"\n", "restock: a place code"),
    ("[kissprom\n", "not valid TOML"),
])
def test_a_bad_bin_map_is_refused_with_the_key(tmp_path: Path, text: str, reason: str) -> None:
    bad = tmp_path / "bins.toml"
    bad.write_text(text)
    with pytest.raises(BadInput, match=reason):
        load_bins(bad)
