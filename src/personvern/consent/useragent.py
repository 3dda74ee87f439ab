"""The browser family of a user-agent string, and nothing more.

The full string narrows a person down (fingerprinting); the family is what a record of
consent needs to show which banner was seen (Art. 5(1)(c), data minimisation).
"""

from __future__ import annotations

import re

# Only the start of the header is read: a hostile client may send a megabyte.
_READ_MAX = 512
# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot", re.compile(r"bot\b|crawler|spider|headless", re.IGNORECASE)),
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)


def browser_family(user_agent: str | None) -> str | None:
    """``Firefox``, ``Chrome``, ``Safari``, ``Edge``, ``Opera``, ``Samsung Internet``,
    ``bot`` or ``other``; None when no header was sent."""
    if not user_agent:
        return None
    head = user_agent[:_READ_MAX]
    for family, pattern in _FAMILIES:
        if pattern.search(head):
            return family
    return "other"
