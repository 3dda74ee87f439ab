"""Keys derived per use from one secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from personvern.keys import SecretError, derive_key, engine_secret, keyed_hash

SECRET = b"s" * 40


def test_each_use_has_its_own_key() -> None:
    assert derive_key("pseudonym", SECRET) != derive_key("package-encryption", SECRET)
    assert len(derive_key("pseudonym", SECRET)) == 32
    assert keyed_hash("identity-hash", "email:a@b.no", SECRET) == keyed_hash(
        "identity-hash", "email:a@b.no", SECRET)
    assert keyed_hash("identity-hash", "x", SECRET) != keyed_hash("pseudonym", "x", SECRET)


def test_secret_from_environment_must_be_long() -> None:
    assert engine_secret({"PERSONVERN_SECRET": "k" * 32}) == b"k" * 32
    with pytest.raises(SecretError, match="at least 32"):
        engine_secret({"PERSONVERN_SECRET": "short"})


def test_secret_file_is_created_once_and_private(tmp_path: Path) -> None:
    first = engine_secret({}, tmp_path)
    assert engine_secret({}, tmp_path) == first and len(first) == 64
    mode = (tmp_path / ".personvern-secret").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
