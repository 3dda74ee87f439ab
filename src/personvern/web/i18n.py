"""The pages' languages: gettext catalogs for nb and sv (English is the source), and which
language a visitor gets.

The catalogs are plain ``.po`` files in ``web/locale/<language>/`` (one per part of the
app: base, portal, admin), compiled and merged in memory when first used, so there is no
build step and no binary file in the repository.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE = Path(__file__).with_name("locale")
PAGE_LANGUAGES = ("nb", "sv", "en")
SOURCE_LANGUAGE = "en"
LANGUAGE_COOKIE = "pv_lang"
# Tags a browser may send for a language the pages speak (Norwegian Nynorsk readers get
# Bokmål rather than English: it is the closer language).
LANGUAGE_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "sv": "sv", "en": "en"}
_ACCEPT_LANGUAGE_MAX = 500


def catalog_paths(language: str) -> list[Path]:
    return sorted((LOCALE / language).glob("*.po"))


def _compiled(path: Path, language: str) -> Translations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for ``language`` (English: the identity)."""
    if language == SOURCE_LANGUAGE or language not in PAGE_LANGUAGES:
        return gettext.NullTranslations()
    merged = Translations()
    for path in catalog_paths(language):
        merged.merge(_compiled(path, language))
    return merged


def accepted_languages(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "")[:_ACCEPT_LANGUAGE_MAX].split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def page_language(offered: tuple[str, ...], *, chosen: str | None = None,
                  cookie: str | None = None, accept: str | None = None) -> str:
    """The language to answer in: an explicit choice (``?lang=``), else the language
    cookie, else the first match of ``Accept-Language``, else the first offered one.
    ``offered`` is the shop's languages that the pages speak, in the shop's order."""
    usable = [code for code in offered if code in PAGE_LANGUAGES] or [SOURCE_LANGUAGE]
    for candidate in (chosen, cookie):
        code = LANGUAGE_ALIASES.get((candidate or "").lower()[:8])
        if code in usable:
            return str(code)
    for tag in accepted_languages(accept):
        code = LANGUAGE_ALIASES.get(tag.split("-")[0])
        if code in usable:
            return str(code)
    return usable[0]
