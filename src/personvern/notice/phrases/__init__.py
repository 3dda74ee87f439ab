"""Phrase catalogs of the notice, one module per language (nb, sv, en).

Each module holds whole sentences, written the way a native writer of that language writes
a privacy notice, not word-by-word translations; the code only fills in names, lists and
periods. :class:`Language` is the one door to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from types import ModuleType
from typing import Final

from personvern.duration import Duration
from personvern.notice.phrases import en, nb, sv

CATALOGS: Final[dict[str, ModuleType]] = {"nb": nb, "sv": sv, "en": en}
LANGUAGES: Final = tuple(CATALOGS)

_UNIT_ORDER = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")


class UnknownLanguageError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"no notice texts in {code!r}; choose one of {', '.join(LANGUAGES)}"
        )


class Language:
    """Sentences, names, lists, dates and periods in one language."""

    def __init__(self, code: str) -> None:
        if code not in CATALOGS:
            raise UnknownLanguageError(code)
        self.code = code
        self._module = CATALOGS[code]
        self.phrases: dict[str, str] = self._module.PHRASES
        self.categories: dict[str, str] = self._module.CATEGORIES
        self.subjects: dict[str, str] = self._module.SUBJECTS
        self.countries: dict[str, str] = self._module.COUNTRIES

    def __call__(self, key: str, **values: object) -> str:
        return self.phrases[key].format(**values)

    def join(self, items: Iterable[str]) -> str:
        """``a, b and c`` in this language (no serial comma in nb, sv or en here)."""
        listed = [item for item in items if item]
        if len(listed) <= 1:
            return "".join(listed)
        conjunction: str = self._module.CONJUNCTION
        return f"{', '.join(listed[:-1])} {conjunction} {listed[-1]}"

    def quote(self, text: str) -> str:
        opening, closing = self._module.QUOTES
        return f"{opening}{text}{closing}"

    def date(self, day: date) -> str:
        month: str = self._module.MONTHS[day.month - 1]
        template: str = self._module.DATE
        return template.format(day=day.day, month=month, year=day.year)

    def duration(self, period: Duration) -> str:
        """``2 måneder``, ``95 dager``, ``1 år og 6 måneder``."""
        units: dict[str, tuple[str, str]] = self._module.UNITS
        parts = []
        for unit in _UNIT_ORDER:
            count = getattr(period, unit)
            if count:
                singular, plural = units[unit]
                parts.append(f"{count} {singular if count == 1 else plural}")
        if not parts:
            return f"0 {units['days'][1]}"
        return self.join(parts)

    def country(self, code: str) -> str:
        return self.countries.get(code, code)

    def in_country(self, code: str) -> str:
        """``in Malta`` / ``på Malta`` / ``i Tyskland`` / ``in the USA``."""
        name = self.country(code)
        if self.code == "en":
            article = "the " if code in self._module.WITH_ARTICLE else ""
            return f"in {article}{name}"
        preposition = "på" if code in self._module.ON_ISLAND else "i"
        return f"{preposition} {name}"


def capitalize(text: str) -> str:
    """The first letter upper case, the rest untouched (``IP-adresse`` stays as it is)."""
    return text[:1].upper() + text[1:]
