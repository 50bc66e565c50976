from __future__ import annotations

from app.security import hash_pin, hash_pin_with_salt_from, verify_pin


def test_pin_hash_verifies_and_is_salted() -> None:
    h1, h2 = hash_pin("1234"), hash_pin("1234")
    assert h1 != h2 and h1.startswith("$argon2id$")
    assert verify_pin(h1, "1234") and not verify_pin(h1, "1235")
    assert not verify_pin("not a hash", "1234")


def test_demo_hash_is_deterministic_and_verifiable() -> None:
    a = hash_pin_with_salt_from("1111", "demo:7:ines")
    assert a == hash_pin_with_salt_from("1111", "demo:7:ines")
    assert a != hash_pin_with_salt_from("1111", "demo:8:ines")
    assert verify_pin(a, "1111") and not verify_pin(a, "2222")
