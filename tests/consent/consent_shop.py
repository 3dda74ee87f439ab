"""Shared values of the consent tests: the shop manifest's path and the hashing key."""

from __future__ import annotations

from pathlib import Path

from personvern.keys import derive_key

SHOP = Path(__file__).with_name("shop.yaml")
KEY = derive_key("identity-hash", b"consent-tests-secret-" * 2)
VISITOR = "Vb7Qm3xZk9PpL2sT4uWy6A"  # 22 URL-safe characters, as token_urlsafe(16) makes
