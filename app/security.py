"""PIN hashing with argon2."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type, hash_secret

# Modest parameters: a PIN is typed at a bench many times a day on a small PC.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_pin(pin: str) -> str:
    return _HASHER.hash(pin)


def hash_pin_with_salt_from(pin: str, salt_source: str) -> str:
    """A hash whose salt is derived from `salt_source`: only for the published demo users,
    so the same demo seed gives byte-identical databases."""
    salt = hashlib.sha256(salt_source.encode()).digest()[:16]
    return hash_secret(
        pin.encode(),
        salt,
        time_cost=_HASHER.time_cost,
        memory_cost=_HASHER.memory_cost,
        parallelism=_HASHER.parallelism,
        hash_len=_HASHER.hash_len,
        type=Type.ID,
    ).decode()


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
