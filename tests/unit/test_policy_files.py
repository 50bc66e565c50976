"""Policy files: both brands load; a broken file is refused naming the file, key and reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.enums import CustomerTier
from app.policy.rules import POLICY_DIR, PolicyError, load_policy, parse_policy

KP = (POLICY_DIR / "kissprom.toml").read_text()


def test_both_brands_load_with_their_numbers() -> None:
    kp, st = load_policy("kissprom"), load_policy("stacees")
    assert (kp.refund_window_days, st.refund_window_days) == (14, 30)
    assert kp.restocking_fee_clearance == Decimal("25.00")
    assert st.restocking_fee_clearance == Decimal("0.00")
    assert (kp.refund_due_business_days, st.refund_due_business_days) == (5, 7)
    assert st.store_credit_tiers == {CustomerTier.PRIORITY, CustomerTier.ENTERPRISE}
    assert not kp.store_credit_tiers
    assert kp.refund_threshold == Decimal("250.00") and kp.claim_min_photos == 2
    assert "claim.window_days" in kp.assumed and "refund.window_days" in st.assumed
    assert kp.sha256 != st.sha256 and len(kp.sha256) == 64


def test_policy_by_path(tmp_path: Path) -> None:
    f = tmp_path / "custom.toml"
    f.write_text(KP.replace('version = "2"', 'version = "2-test"'))
    assert load_policy(f).version == "2-test"


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("window_days = 14", "window_days = 14\nwindow_dayz = 3"),
     "refund.window_dayz: unknown key"),
    (lambda t: t.replace("window_days = 14", 'window_days = "14"'),
     "refund.window_days: must be a whole number"),
    (lambda t: t.replace('restocking_fee_clearance = "25.00"',
                         'restocking_fee_clearance = "-25.00"'),
     "refund.restocking_fee_clearance: must not be negative"),
    (lambda t: t.replace('restocking_fee_clearance = "25.00"',
                         "restocking_fee_clearance = 25.0"),
     "refund.restocking_fee_clearance: must be a money string"),
    (lambda t: t.replace("[sla]", "[slas]"), "[slas]: unknown section"),
    (lambda t: t.replace("[exchange]\nwindow_days = 30\nship_within_hours = 48\n", ""),
     "[exchange]: missing section"),
    (lambda t: t.replace("min_photos = 2\n", ""), "claim.min_photos: missing"),
    (lambda t: t.replace('"America/Los_Angeles"', '"Mars/Olympus"'), "unknown time zone"),
    (lambda t: t.replace('"2026-01-01", ', '"2026-13-01", ', 1), "policy.holidays"),
    (lambda t: t.replace("store_credit_tiers = []", 'store_credit_tiers = ["gold"]'),
     "refund.store_credit_tiers"),
    (lambda t: t.replace("[policy]", "[policy"), "not valid TOML"),
])
def test_broken_policy_is_refused_with_file_key_and_reason(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError) as err:
        parse_policy(edit(KP).encode(), "/x/kissprom.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("/x/kissprom.toml")


def test_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match="known policies: kissprom, stacees"):
        load_policy("acme")
