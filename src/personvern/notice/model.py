"""The privacy notice as a value: sections of headings, paragraphs, lists, facts and tables.

A :class:`Notice` is already written in one language; renderers (HTML, Markdown, JSON) only
lay it out. Every section carries the GDPR article it fulfils, so a test (and a reader of
the JSON) can check that each element of Art. 13 and 14 is there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Paragraph(_Value):
    kind: Literal["paragraph"] = "paragraph"
    text: str


class BulletList(_Value):
    kind: Literal["list"] = "list"
    items: tuple[str, ...]


class Fact(_Value):
    label: str
    value: str


class Facts(_Value):
    """Label–value pairs (a definition list): the facts of one purpose, a contact card."""

    kind: Literal["facts"] = "facts"
    items: tuple[Fact, ...]


class Table(_Value):
    kind: Literal["table"] = "table"
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Annotated[Paragraph | BulletList | Facts | Table, Field(discriminator="kind")]


class NoticeSection(_Value):
    """A heading with its text; ``key`` is stable across languages (``rights``, ``cookies``)."""

    key: str
    heading: str
    articles: tuple[str, ...] = ()  # the GDPR provisions this section fulfils
    blocks: tuple[Block, ...] = ()
    subsections: tuple[NoticeSection, ...] = ()

    def texts(self) -> Iterator[str]:
        """Every string a reader sees in this section, depth first."""
        yield self.heading
        for block in self.blocks:
            yield from _block_texts(block)
        for section in self.subsections:
            yield from section.texts()

    @property
    def is_empty(self) -> bool:
        return not any(
            text.strip() for block in self.blocks for text in _block_texts(block)
        ) and all(s.is_empty for s in self.subsections)


def _block_texts(block: Paragraph | BulletList | Facts | Table) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield block.text
    elif isinstance(block, BulletList):
        yield from block.items
    elif isinstance(block, Facts):
        for fact in block.items:
            yield fact.label
            yield fact.value
    else:
        yield block.caption
        yield from block.columns
        for row in block.rows:
            yield from row


class Notice(_Value):
    """The privacy notice of one manifest in one language."""

    language: str
    title: str
    controller: str
    version: str  # a stable hash of the manifest's content
    date: date
    updated: str  # "Sist oppdatert 25. november 2026 · versjon 1a2b3c4d5e6f"
    intro: str
    summary: NoticeSection  # the first layer (Art. 12(1); EDPB WP260 on layered notices)
    sections: tuple[NoticeSection, ...]

    def section(self, key: str) -> NoticeSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def texts(self) -> Iterator[str]:
        yield self.title
        yield self.updated
        yield self.intro
        yield from self.summary.texts()
        for section in self.sections:
            yield from section.texts()

    @property
    def text(self) -> str:
        return "\n".join(self.texts())
