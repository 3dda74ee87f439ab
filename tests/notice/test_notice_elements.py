"""Every notice, in every language, has every element of Art. 13 (and 14), fully translated."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest
from notice_examples import EXAMPLE_PATHS, PUBLISHED

from personvern.duration import Duration
from personvern.manifest.load import LoadedManifest
from personvern.notice import ELEMENTS, build_notice, render_notice
from personvern.notice.model import Facts, Notice
from personvern.notice.phrases import CATALOGS, LANGUAGES, Language
from personvern.notice.phrases import en as english

# Art. 13(1)(a)–(f) and 13(2)(a)–(f), each of which some section must fulfil (LEGAL.md).
ART_13 = {
    "13(1)(a)", "13(1)(b)", "13(1)(c)", "13(1)(d)", "13(1)(e)", "13(1)(f)",
    "13(2)(a)", "13(2)(b)", "13(2)(c)", "13(2)(d)", "13(2)(e)", "13(2)(f)",
}
# Art. 14 adds the categories (1)(d) and the source (2)(f).
ART_14 = {"14(1)(d)", "14(2)(f)"}

# Words that betray English left in a Norwegian or Swedish notice. Case-sensitive: proper
# names such as «Meta's Controller Addendum» or «The Rocket Science Group» are not leaks.
ENGLISH_MARKERS = (
    " the ", "legal basis", "recipient", "processor", " controller", "retention",
    "consent", "withdraw", " you ", " your ", "data protection", "Article ", " shall ",
    "not stated", "safeguard", "privacy notice", "supervisory", "cookies and similar",
    "Personal data", "How long", "Who is",
)

COMBINATIONS = [(name, lang) for name in EXAMPLE_PATHS for lang in LANGUAGES]


IDS = [f"{name}-{code}" for name, code in COMBINATIONS]


@pytest.fixture(scope="module", params=COMBINATIONS, ids=IDS)
def notice_of(request: pytest.FixtureRequest, examples: dict[str, LoadedManifest]) -> Notice:
    name, language = request.param
    return build_notice(examples[name], language, published=PUBLISHED)


def test_every_element_is_a_non_empty_section(notice_of: Notice) -> None:
    notice = notice_of
    keys = [section.key for section in notice.sections]
    assert keys == list(ELEMENTS), "sections are missing or out of order"
    for section in notice.sections:
        assert section.heading.strip(), section.key
        assert not section.is_empty, f"section {section.key} says nothing"


def test_the_sections_cover_article_13_and_14(notice_of: Notice) -> None:
    covered = {a for s in notice_of.sections for a in s.articles}
    assert covered >= ART_13 | ART_14


def test_each_purpose_states_its_basis_and_retention(notice_of: Notice) -> None:
    notice = notice_of
    purposes = notice.section("purposes")
    assert purposes is not None
    lang = Language(notice.language)
    for subsection in purposes.subsections:
        labels = [fact.label for block in subsection.blocks if isinstance(block, Facts)
                  for fact in block.items]
        assert lang("label.legal_basis") in labels, subsection.key
        assert lang("label.retention") in labels, subsection.key


def test_the_summary_is_short(notice_of: Notice) -> None:
    words = " ".join(notice_of.summary.texts()).split()
    assert 20 < len(words) < 300


@pytest.mark.parametrize("name", list(EXAMPLE_PATHS))
@pytest.mark.parametrize("language", ["nb", "sv"])
def test_no_english_in_nordic_notices(
    examples: dict[str, LoadedManifest], name: str, language: str
) -> None:
    notice = build_notice(examples[name], language, published=PUBLISHED)
    # Only our own words are checked: the manifest's texts are the shop's (and a
    # Norwegian manifest shown in Swedish falls back to Norwegian, not English).
    ours = "\n".join(_our_texts(notice.text, examples[name]))
    leaked = [marker for marker in ENGLISH_MARKERS if marker in ours]
    assert not leaked, f"English in the {language} notice of {name}: {leaked}"


def _our_texts(text: str, loaded: LoadedManifest) -> list[str]:
    """The notice's lines with the shop's own texts (names, descriptions) cut out."""
    manifest = loaded.manifest
    own: list[str] = []
    for purpose in manifest.purposes.values():
        for value in (purpose.name, purpose.description, purpose.consequences):
            if value:
                own.extend(value.root.values())
    for recipient in manifest.recipients.values():
        for value in (recipient.arrangement, recipient.description):
            if value:
                own.extend(value.root.values())
        own.extend(filter(None, (recipient.name, recipient.entity)))
    for category in manifest.consent_categories.values():
        own.extend(category.name.root.values())
    pieces = sorted((p.strip() for p in own), key=len, reverse=True)
    lines = []
    for line in text.splitlines():
        for piece in pieces:
            line = line.replace(piece, "")
        lines.append(line)
    return lines


def test_every_language_has_every_phrase() -> None:
    keys = set(english.PHRASES)
    for code, module in CATALOGS.items():
        assert set(module.PHRASES) == keys, f"{code}: {set(module.PHRASES) ^ keys}"
        assert set(module.CATEGORIES) == set(english.CATEGORIES), code
        assert set(module.SUBJECTS) == set(english.SUBJECTS), code
        assert set(module.COUNTRIES) == set(english.COUNTRIES), code


def test_every_phrase_takes_the_same_placeholders_in_every_language() -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(template) if name}

    for key, template in english.PHRASES.items():
        for code, module in CATALOGS.items():
            assert fields(module.PHRASES[key]) == fields(template), f"{code}: {key}"


def test_nordic_phrases_are_not_copies_of_the_english() -> None:
    for code in ("nb", "sv"):
        phrases = CATALOGS[code].PHRASES
        same = [key for key, value in english.PHRASES.items()
                if value == phrases[key] and re.search(r"[a-z]{4}", value)]
        # Proper names such as «EU-US Data Privacy Framework» may be the same.
        assert same == ["safeguard_short.dpf"] or not same, f"{code}: {same}"


@pytest.mark.parametrize(("language", "expected"), [
    ("nb", "5 år etter utgangen av regnskapsåret"),
    ("sv", "5 år efter utgången av räkenskapsåret"),
    ("en", "5 years after the end of the financial year"),
])
def test_a_bookkeeping_period_in_words(
    examples: dict[str, LoadedManifest], language: str, expected: str
) -> None:
    assert expected in render_notice(examples["002"], language, "markdown",
                                     published=PUBLISHED)


@pytest.mark.parametrize(("language", "expected"), [
    ("nb", ["1 måned", "2 måneder", "1 år og 6 måneder", "95 dager"]),
    ("sv", ["1 månad", "2 månader", "1 år och 6 månader", "95 dagar"]),
    ("en", ["1 month", "2 months", "1 year and 6 months", "95 days"]),
])
def test_durations_in_words(language: str, expected: list[str]) -> None:
    lang = Language(language)
    periods = ["P1M", "P2M", "P1Y6M", "P95D"]
    assert [lang.duration(Duration.parse(p)) for p in periods] == expected


def test_an_island_takes_pa() -> None:
    assert Language("nb").in_country("MT") == "på Malta"
    assert Language("sv").in_country("MT") == "på Malta"
    assert Language("nb").in_country("DE") == "i Tyskland"
    assert Language("en").in_country("US") == "in the USA"


def test_every_phrase_the_code_asks_for_exists() -> None:
    """Static check: each ``lang("key")`` in the notice package names a phrase, and each
    ``lang(f"prefix.{…}")`` names a prefix that phrases have."""
    import personvern.notice as package

    source = "\n".join(
        path.read_text(encoding="utf-8")
        for path in Path(package.__file__).parent.glob("*.py")
    )
    keys = set(english.PHRASES)
    asked = re.findall(r'lang\(\s*(f?)"([a-z_.]+)(\{?)', source)
    assert len(asked) > 50
    for is_f, key, brace in asked:
        if is_f and brace:
            assert any(k.startswith(key) for k in keys), f"no phrase starts with {key!r}"
        else:
            assert key in keys, f"no phrase {key!r}"
