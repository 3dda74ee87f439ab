"""``personvern notice``: build the privacy notice, tell what changed, write the Art. 30 record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from personvern.manifest.errors import ManifestError
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.notice.diff import describe_changes, diff_manifests
from personvern.notice.phrases import LANGUAGES, UnknownLanguageError
from personvern.notice.render import NoticeFormat, render_notice
from personvern.notice.ropa import (
    RegisterFormat,
    build_register,
    register_csv,
    register_html,
    register_xlsx,
)

app = typer.Typer(
    help="The privacy notice and the record of processing, generated from the manifest.",
    no_args_is_help=True,
)
errors = Console(stderr=True, soft_wrap=True)

LanguageOption = Annotated[
    str | None,
    typer.Option("--lang", help=f"Language: {', '.join(LANGUAGES)} (default: the manifest's "
                                "first language)."),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
]


def _load(path: Path) -> LoadedManifest:
    try:
        return load_manifest(path)
    except ManifestError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(1) from None


def _language(loaded: LoadedManifest, given: str | None) -> str:
    if given is not None:
        if given not in LANGUAGES:
            errors.print(f"[red]{UnknownLanguageError(given)}[/]")
            raise typer.Exit(2)
        return given
    first = next((code for code in loaded.manifest.organization.languages if code in LANGUAGES),
                 "en")
    return first


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


@app.command()
def build(
    manifest: Annotated[Path, typer.Argument(help="A manifest file or folder.")],
    lang: LanguageOption = None,
    output_format: Annotated[
        NoticeFormat, typer.Option("--format", "-f", help="html, fragment, markdown or json.")
    ] = NoticeFormat.html,
    output: OutputOption = None,
) -> None:
    """Write the privacy notice (Art. 13 and 14) from a manifest."""
    loaded = _load(manifest)
    _write(render_notice(loaded, _language(loaded, lang), output_format), output)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier manifest.")],
    new: Annotated[Path, typer.Argument(help="The later manifest.")],
    lang: LanguageOption = None,
    output: OutputOption = None,
) -> None:
    """Say in words what changed for customers between two versions of a manifest."""
    before, after = _load(old), _load(new)
    language = _language(after, lang)
    _write(describe_changes(diff_manifests(before, after, language), language), output)


@app.command()
def ropa(
    manifest: Annotated[Path, typer.Argument(help="A manifest file or folder.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write to this file.")],
    output_format: Annotated[
        RegisterFormat | None,
        typer.Option("--format", "-f", help="xlsx, csv or html (default: from the file name)."),
    ] = None,
    lang: LanguageOption = None,
) -> None:
    """Write the record of processing activities (Art. 30(1)), one row per purpose."""
    loaded = _load(manifest)
    chosen = output_format or _format_from(output)
    register = build_register(loaded, _language(loaded, lang))
    output.parent.mkdir(parents=True, exist_ok=True)
    if chosen is RegisterFormat.xlsx:
        output.write_bytes(register_xlsx(register))
    elif chosen is RegisterFormat.csv:
        output.write_text(register_csv(register), encoding="utf-8")
    else:
        output.write_text(register_html(register), encoding="utf-8")
    gaps = sum(len(record.gaps) for record in register.records)
    errors.print(f"Wrote {output}: {len(register.records)} purposes, "
                 f"{len(register.recipients)} recipients, {gaps} cells not described.")


def _format_from(path: Path) -> RegisterFormat:
    try:
        return RegisterFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        errors.print(f"[red]Cannot tell the format of {path}[/]; give --format xlsx, csv or html.")
        raise typer.Exit(2) from None
