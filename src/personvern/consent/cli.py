"""``personvern consent``: record choices, link visitors, print the proof of one subject.

Exit codes: 0 done, 2 wrong input (nothing is written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from personvern.store.cli import DatabaseOption, open_engine

if TYPE_CHECKING:
    from personvern.consent.records import ConsentProof, ConsentSubject
    from personvern.manifest.model import Manifest

app = typer.Typer(help="Consent records (GDPR Art. 7): record, link, prove.",
                  no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)

ManifestOption = Annotated[
    Path,
    typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST",
                 help="The shop's manifest: consent categories, purposes and cookies."),
]
SubjectArgument = Annotated[
    str, typer.Argument(help="visitor_id:…, customer_number:… or email:… (or an e-mail).")
]


def _usage(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]")
    raise typer.Exit(2)


def _manifest(path: Path) -> Manifest:
    from personvern.manifest.command import manifest_for_command

    return manifest_for_command(path)


def _subject(text: str) -> ConsentSubject:
    from personvern.consent.records import ConsentError, parse_subject

    try:
        return parse_subject(text)
    except ConsentError as error:
        _usage(str(error))


def _pairs(values: list[str] | None, what: str) -> dict[str, bool]:
    """``key=yes`` / ``key=no`` (or true/false, 1/0) into a choice map."""
    words = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    chosen: dict[str, bool] = {}
    for value in values or []:
        key, _, answer = value.partition("=")
        if answer.lower() not in words:
            _usage(f"--{what} {key}=…: answer yes or no")
        chosen[key] = words[answer.lower()]
    return chosen


def _print_proof(found: ConsentProof) -> None:
    console.print(f"Consent record of {found.subject_kind} {found.subject_hash[:16]}… "
                  f"({len(found.events)} events, {len(found.linked)} linked identities)")
    console.print(f"Current notice version: {found.current_version}")
    for event in found.events:
        choices = ", ".join(
            f"{key}={'yes' if granted else 'no'}"
            for section in ("categories", "purposes")
            for key, granted in sorted((event.choices or {}).get(section, {}).items()))
        console.print(f"#{event.id} {event.at:%Y-%m-%d %H:%M:%S} {event.source:<13} "
                      f"{event.language} version {event.notice_version[:12]} "
                      f"gpc={'yes' if event.gpc else 'no'} "
                      f"browser={event.user_agent_family or '-'}: {choices}")
    if not found.events:
        console.print("No consent recorded.")


@app.command("proof")
def proof_command(
    subject: SubjectArgument,
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the full consent history of one subject: the evidence of Art. 7(1)."""
    from personvern.consent.records import proof
    from personvern.store.database import transaction

    loaded, who = _manifest(manifest), _subject(subject)
    engine = open_engine(database)
    with transaction(engine) as session:
        found = proof(session, loaded, who)
    engine.dispose()
    if as_json:
        console.print_json(json.dumps(found.as_json(), ensure_ascii=False))
    else:
        _print_proof(found)


@app.command("record")
def record_command(
    subject: SubjectArgument,
    category: Annotated[list[str] | None, typer.Option(
        help="A banner category's choice, key=yes|no (repeat).")] = None,
    purpose: Annotated[list[str] | None, typer.Option(
        help="A consent purpose's choice, key=yes|no (repeat).")] = None,
    source: Annotated[str, typer.Option(
        help="banner, portal, api, import, double_opt_in or gpc.")] = "import",
    language: Annotated[str, typer.Option("--lang", help="Language the person read.")] = "nb",
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None,
) -> None:
    """Record one choice (for imports of consents collected elsewhere, and for tests)."""
    from personvern.consent.records import (
        ConsentError,
        ConsentSource,
        record,
        validate_choices,
    )
    from personvern.store.database import transaction

    loaded, who = _manifest(manifest), _subject(subject)
    try:
        choices = validate_choices(loaded, _pairs(category, "category"),
                                   _pairs(purpose, "purpose"))
        channel = ConsentSource(source)
    except (ConsentError, ValueError) as error:
        _usage(str(error))
    engine = open_engine(database)
    try:
        with transaction(engine) as session:
            event = record(session, loaded, who, choices, source=channel, language=language)
    except ConsentError as error:
        _usage(str(error))
    finally:
        engine.dispose()
    console.print(f"Recorded consent event #{event.id} under notice version "
                  f"{event.notice_version[:12]}.")


@app.command("link")
def link_command(
    visitor_id: Annotated[str, typer.Argument(help="The banner's visitor id.")],
    customer_number: Annotated[str, typer.Argument(help="The customer who logged in.")],
    database: DatabaseOption = None,
) -> None:
    """Link a banner visitor to a customer, so the visitor's choices count for them."""
    from personvern.consent.records import ConsentError, link_visitor
    from personvern.store.database import transaction

    engine = open_engine(database)
    try:
        with transaction(engine) as session:
            created = link_visitor(session, visitor_id, customer_number)
    except ConsentError as error:
        _usage(str(error))
    finally:
        engine.dispose()
    console.print("Linked." if created else "Already linked.")


@app.command("version")
def version_command(
    manifest: ManifestOption = Path("personvern.yaml"),
    document: Annotated[bool, typer.Option(
        "--document", help="Also print the canonical JSON the version is the hash of.")] = False,
) -> None:
    """Print the notice version of a manifest: what consent records refer to (Art. 7(1))."""
    from personvern.consent.version import canonical_json, notice_version

    version = notice_version(_manifest(manifest))
    console.print(version.id)
    if document:
        console.print(canonical_json(version.document).decode("utf-8"), markup=False)
