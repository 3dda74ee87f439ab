"""Laying out a :class:`Notice`: standalone HTML, an embeddable fragment, Markdown, JSON.

The templates in ``templates/`` hold no words of their own: every sentence comes from the
notice, which is already written in its language.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from functools import cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from personvern.manifest.load import LoadedManifest
from personvern.notice.build import build_notice
from personvern.notice.model import Notice
from personvern.notice.phrases import Language


class NoticeFormat(str, Enum):
    html = "html"
    fragment = "fragment"
    markdown = "markdown"
    json = "json"


# A URL or an e-mail address in running text; trailing punctuation stays outside the link.
_LINKABLE = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]])|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
)


def linkify(value: str) -> Markup:
    """Escape ``value`` and make its URLs and e-mail addresses links."""
    parts: list[str] = []
    last = 0
    for match in _LINKABLE.finditer(value):
        parts.append(str(escape(value[last:match.start()])))
        found = match.group(0)
        href = found if match.group("url") else f"mailto:{found}"
        parts.append(f'<a href="{escape(href)}">{escape(found)}</a>')
        last = match.end()
    parts.append(str(escape(value[last:])))
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped


def anchor(key: str) -> str:
    """A section key as an HTML id: ``purpose.newsletter`` → ``purpose-newsletter``."""
    return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-")


def markdown_text(value: str) -> str:
    """Escape the characters that would turn plain text into Markdown markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", value).replace("\n", " ")


def markdown_cell(value: str) -> str:
    return markdown_text(value) or " "


@cache
def jinja_environment() -> Environment:
    folder = str(resources.files("personvern.notice") / "templates")
    environment = Environment(
        loader=FileSystemLoader(folder),
        # HTML templates escape; the Markdown template escapes Markdown instead (filter md).
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    environment.filters.update(linkify=linkify, anchor=anchor, md=markdown_text,
                               cell=markdown_cell)
    return environment


@cache
def stylesheet() -> Markup:
    css = (resources.files("personvern.notice") / "templates" / "notice.css").read_text("utf-8")
    return Markup(css)  # noqa: S704 - our own file, not user input


def notice_html(notice: Notice, *, standalone: bool = True) -> str:
    template = "notice.html.j2" if standalone else "fragment.html.j2"
    toc = Language(notice.language)("toc")
    page = jinja_environment().get_template(template)
    return page.render(notice=notice, css=stylesheet(), toc=toc)


def notice_markdown(notice: Notice) -> str:
    text = jinja_environment().get_template("notice.md.j2").render(notice=notice)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def notice_json(notice: Notice) -> str:
    return notice.model_dump_json(indent=2) + "\n"


def render(notice: Notice, fmt: NoticeFormat | str) -> str:
    chosen = NoticeFormat(fmt)
    if chosen is NoticeFormat.html:
        return notice_html(notice)
    if chosen is NoticeFormat.fragment:
        return notice_html(notice, standalone=False)
    if chosen is NoticeFormat.markdown:
        return notice_markdown(notice)
    return notice_json(notice)


def render_notice(
    loaded: LoadedManifest,
    lang: str,
    fmt: NoticeFormat | str = NoticeFormat.html,
    *,
    published: date | None = None,
) -> str:
    """The privacy notice of ``loaded`` in language ``lang`` and format ``fmt``.

    This is what the web app serves at ``/privacy``. A loaded manifest never changes, so
    each rendering is kept in its cache and later requests cost a dictionary look-up.
    """
    chosen = NoticeFormat(fmt)
    key = f"personvern.notice:{lang}:{chosen.value}:{published}"
    cached = loaded.cache.get(key)
    if isinstance(cached, str):
        return cached
    text = render(build_notice(loaded, lang, published=published), chosen)
    loaded.cache[key] = text
    return text
