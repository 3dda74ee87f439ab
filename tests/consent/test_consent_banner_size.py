"""The banner script stays small, plain and dependency-free."""

from __future__ import annotations

import gzip
import re

from personvern.web.consent_routes import BANNER_FILE

GZIP_LIMIT = 10 * 1024


def test_the_banner_is_under_10_kb_gzipped() -> None:
    size = len(gzip.compress(BANNER_FILE.read_bytes(), compresslevel=9))
    assert size < GZIP_LIMIT, f"banner.js is {size} bytes gzipped"


def test_the_banner_loads_nothing_from_elsewhere() -> None:
    source = BANNER_FILE.read_text(encoding="utf-8")
    assert not re.search(r"\b(import|require)\s*\(", source)
    assert "http://" not in source and "https://" not in source.replace(
        'data-src="https://..."', "")
    assert "eval(" not in source and "innerHTML" not in source  # no markup from strings
