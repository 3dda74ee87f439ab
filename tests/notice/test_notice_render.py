"""The notice laid out: standalone HTML, fragment, Markdown and JSON, valid and accessible."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from notice_examples import EXAMPLE_PATHS, PUBLISHED, Loader, Reader

from personvern.manifest.load import LoadedManifest
from personvern.notice import Notice, build_notice, render_notice
from personvern.notice.phrases import LANGUAGES
from personvern.notice.render import linkify

VOID = {"meta", "link", "br", "img", "hr", "input"}


class Outline(HTMLParser):
    """What an accessibility check looks at: tags, headings, lang, table header scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[int] = []
        self.html_lang: str | None = None
        self.open: list[str] = []
        self.th_scopes: list[str | None] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = values.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "th":
            self.th_scopes.append(values.get("scope"))
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()


def _outline(html: str) -> Outline:
    outline = Outline()
    outline.feed(html)
    outline.close()
    return outline


COMBINATIONS = [(name, lang) for name in EXAMPLE_PATHS for lang in LANGUAGES]


@pytest.mark.parametrize(("name", "language"), COMBINATIONS)
def test_standalone_html_is_well_formed_and_accessible(
    examples: dict[str, LoadedManifest], name: str, language: str
) -> None:
    html = render_notice(examples[name], language, "html", published=PUBLISHED)
    assert html.startswith("<!DOCTYPE html>")
    outline = _outline(html)
    assert not outline.problems, outline.problems[:5]
    assert not outline.open, f"unclosed: {outline.open}"
    assert outline.html_lang == language
    assert outline.headings.count(1) == 1, "exactly one h1"
    assert outline.headings[0] == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert outline.th_scopes and all(s in ("col", "row") for s in outline.th_scopes)
    assert len(outline.ids) == len(set(outline.ids)), "ids are unique"
    assert '<meta name="viewport"' in html
    for link in outline.links:
        if link.startswith("#"):
            assert link[1:] in outline.ids, f"table of contents points nowhere: {link}"


def test_the_fragment_embeds_without_a_page(examples: dict[str, LoadedManifest]) -> None:
    fragment = render_notice(examples["004"], "nb", "fragment", published=PUBLISHED)
    outline = _outline(fragment)
    assert not {"html", "head", "body", "title"} & set(outline.tags)
    assert 1 not in outline.headings, "the shop's page has its own h1"
    assert outline.headings[0] == 2
    assert 'lang="nb"' in fragment
    assert not outline.problems and not outline.open


def test_markdown_has_the_same_sections(examples: dict[str, LoadedManifest]) -> None:
    notice = build_notice(examples["002"], "nb", published=PUBLISHED)
    markdown = render_notice(examples["002"], "nb", "markdown", published=PUBLISHED)
    assert markdown.startswith("# Personvernerklæring for Extra Leker\n")
    for section in notice.sections:
        assert f"\n## {section.heading}\n" in markdown
    assert "| Mottaker | Rolle | Land | Formål |" in markdown
    assert r"\_ga" in markdown  # Markdown characters in cookie names are escaped


def test_json_is_the_notice_itself(examples: dict[str, LoadedManifest]) -> None:
    text = render_notice(examples["000"], "sv", "json", published=PUBLISHED)
    data = json.loads(text)
    assert data["language"] == "sv"
    assert data["date"] == "2026-11-25"
    assert [s["key"] for s in data["sections"]][:3] == ["controller", "dpo", "purposes"]
    assert Notice.model_validate(data) == build_notice(examples["000"], "sv",
                                                       published=PUBLISHED)


def test_the_shops_text_is_escaped(example_data: Reader, write_and_load: Loader) -> None:
    data = example_data("002")
    data["purposes"]["newsletter"]["description"] = "Tilbud <script>alert(1)</script> & mer"
    html = render_notice(write_and_load(data), "nb", "html", published=PUBLISHED)
    assert "<script>" not in html
    assert "Tilbud &lt;script&gt;alert(1)&lt;/script&gt; &amp; mer" in html


def test_links_are_made_of_urls_and_addresses() -> None:
    html = str(linkify("Skriv til a.b@shop.no eller se https://shop.no/portal."))
    assert '<a href="mailto:a.b@shop.no">a.b@shop.no</a>' in html
    assert '<a href="https://shop.no/portal">https://shop.no/portal</a>.' in html


def test_a_rendering_is_kept_for_the_next_request(examples: dict[str, LoadedManifest]) -> None:
    first = render_notice(examples["002"], "sv", "fragment", published=PUBLISHED)
    assert render_notice(examples["002"], "sv", "fragment", published=PUBLISHED) is first
