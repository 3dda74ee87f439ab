"""The rights a customer exercises in the portal, and the forms that ask for them.

Each form asks for the e-mail address (the identity a code will prove) and, for guests,
optionally an order number (Art. 12(6): no more than needed). The details a right needs
are checked here against the manifest before any code is sent, so a request that could
never be carried out is refused at once and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from personvern.manifest.model import Manifest
from personvern.requests.limits import (
    ObjectionNotApplicableError,
    RestrictionGround,
    UnknownPurposeError,
    check_objection,
)
from personvern.requests.subject import InvalidIdentityError, normalise_email
from personvern.requests.verification import normalise_order_number
from personvern.store.models import RequestKind

Gettext = Callable[[str], str]
FIELD_MAX = 1000  # characters of one form field; the body limit caps the whole form
NOTE_MAX = 1000
RECTIFY_ROWS = 3  # corrections one form may carry
# Kinds of data a person cannot correct: identifiers the shop assigns, and credentials.
_NOT_RECTIFIABLE = ("user.unique_id", "user.authorization")
_NOT_THEIRS = frozenset({"derived", "third_party"})


def kinds() -> tuple[str, ...]:
    return tuple(kind.value for kind in RequestKind)


def titles(_: Gettext) -> dict[str, str]:
    return {
        "access": _("See your data"),
        "portability": _("Take your data with you"),
        "erasure": _("Have your data erased"),
        "rectification": _("Correct your data"),
        "restriction": _("Limit how your data is used"),
        "objection": _("Object to a use of your data"),
    }


def summaries(_: Gettext) -> dict[str, str]:
    return {
        "access": _("A copy of all the data we hold about you, with what we use it for, "
                    "who receives it and how long we keep it (GDPR Art. 15)."),
        "portability": _("The data you gave us, in a machine-readable file you can take "
                         "to another shop (GDPR Art. 20)."),
        "erasure": _("We erase your data, except what the law obliges us to keep; we "
                     "tell you what that is and until when (GDPR Art. 17)."),
        "rectification": _("Tell us what is wrong or missing, and we correct it "
                           "(GDPR Art. 16)."),
        "restriction": _("We keep your data but do not use it while a question is being "
                         "settled (GDPR Art. 18)."),
        "objection": _("We stop using your data for a purpose based on our legitimate "
                       "interests, and always for direct marketing (GDPR Art. 21)."),
    }


def ground_labels(_: Gettext) -> dict[str, str]:
    return {
        RestrictionGround.accuracy_contested.value:
            _("I contest that my data is correct, while you check it"),
        RestrictionGround.unlawful_erasure_opposed.value:
            _("The processing is unlawful, but I want my data kept rather than erased"),
        RestrictionGround.needed_for_legal_claims.value:
            _("You no longer need my data, but I need it for a legal claim"),
        RestrictionGround.objection_pending.value:
            _("I have objected, and you are checking whether your grounds override mine"),
    }


@dataclass(frozen=True)
class Option:
    value: str
    label: str


def objection_purposes(manifest: Manifest, language: str) -> list[Option]:
    """Purposes Art. 21 lets a person object to: those based on legitimate interests or a
    public task (21(1)) and every direct-marketing purpose (21(2))."""
    options = []
    for key, purpose in manifest.purposes.items():
        try:
            check_objection(manifest, key)
        except (ObjectionNotApplicableError, UnknownPurposeError):
            continue
        options.append(Option(key, purpose.name.best(language)))
    return options


def rectifiable_fields(manifest: Manifest, language: str) -> list[Option]:
    """``collection.field`` of every declared field a person can correct (Art. 16): their
    own personal data, not keys, references, assigned identifiers or credentials, and
    not what the shop derived or got from others."""
    options: dict[str, Option] = {}
    for datastore in manifest.datastores.values():
        for name, collection in datastore.collections.items():
            where = collection.description.best(language) if collection.description else name
            for field_name, data_field in collection.fields.items():
                if (not data_field.personal or field_name in collection.primary_key
                        or data_field.references or data_field.origin in _NOT_THEIRS
                        or any(c.startswith(_NOT_RECTIFIABLE) for c in data_field.categories)):
                    continue
                what = (data_field.description.best(language) if data_field.description
                        else field_name.replace("_", " "))
                options.setdefault(f"{name}.{field_name}", Option(f"{name}.{field_name}",
                                                                  f"{where}: {what}"))
    return sorted(options.values(), key=lambda option: option.label.lower())


@dataclass
class Submitted:
    """A checked form: who asks, and the request waiting for the code."""

    email: str = ""
    order_number: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)
    values: dict[str, str] = field(default_factory=dict)  # as typed, to show again


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def read_identity(form: Mapping[str, Any], _: Gettext, result: Submitted) -> None:
    email, order = _text(form, "email"), _text(form, "order_number")
    result.values.update(email=email[:FIELD_MAX], order_number=order[:FIELD_MAX])
    if not email.strip():
        result.errors.append(("email", _("Enter your e-mail address.")))
    else:
        try:
            result.email = normalise_email(email)
        except InvalidIdentityError:
            result.errors.append(("email", _("Enter an e-mail address like "
                                             "name@example.com.")))
    if order.strip():
        try:
            result.order_number = normalise_order_number(order)
        except InvalidIdentityError:
            result.errors.append(("order_number", _("An order number has only letters, "
                                                    "digits and . _ / - (at most 64).")))


def _note(form: Mapping[str, Any], _: Gettext, result: Submitted) -> None:
    note = _text(form, "note").strip()
    result.values["note"] = note[:FIELD_MAX]
    if len(note) > NOTE_MAX:
        result.errors.append(("note", _("The explanation is too long: at most 1000 "
                                        "characters.")))
    elif note:
        result.details["note"] = note


def read_details(kind: str, form: Mapping[str, Any], manifest: Manifest, language: str,
                 _: Gettext, result: Submitted) -> None:
    """The details ``kind`` needs, checked against the manifest."""
    if kind == "rectification":
        _read_corrections(form, manifest, language, _, result)
    elif kind == "restriction":
        ground = _text(form, "ground")
        result.values["ground"] = ground[:20]
        if ground not in ground_labels(_):
            result.errors.append(("ground", _("Choose why the use of your data should be "
                                              "limited.")))
        else:
            result.details.update(ground=ground, purpose="*")
        _note(form, _, result)
    elif kind == "objection":
        purpose = _text(form, "purpose")
        result.values["purpose"] = purpose[:100]
        if purpose not in {o.value for o in objection_purposes(manifest, language)}:
            result.errors.append(("purpose", _("Choose the use of your data you object "
                                               "to.")))
        else:
            # The payload run_limit_request reads (personvern.requests.limit_requests).
            result.details["purposes"] = [purpose]
        _note(form, _, result)


def _read_corrections(form: Mapping[str, Any], manifest: Manifest, language: str,
                      _: Gettext, result: Submitted) -> None:
    known = {o.value for o in rectifiable_fields(manifest, language)}
    changes: dict[str, str] = {}
    for row in range(1, RECTIFY_ROWS + 1):
        path, value = _text(form, f"field_{row}"), _text(form, f"value_{row}")
        result.values.update({f"field_{row}": path[:200], f"value_{row}": value[:FIELD_MAX]})
        if not path and not value.strip():
            continue
        if path not in known:
            result.errors.append((f"field_{row}", _("Choose which information is wrong.")))
        elif not value.strip():
            result.errors.append((f"value_{row}", _("Enter the correct value.")))
        elif len(value) > FIELD_MAX:
            result.errors.append((f"value_{row}", _("The value is too long: at most 1000 "
                                                    "characters.")))
        elif path in changes:
            result.errors.append((f"field_{row}", _("Each piece of information can be "
                                                    "corrected once per request.")))
        else:
            changes[path] = value.strip()
    if not changes and not any(key.startswith(("field_", "value_")) for key, _m in
                               result.errors):
        result.errors.append(("field_1", _("Choose at least one piece of information to "
                                           "correct.")))
    if changes:
        result.details["changes"] = changes


def read_form(kind: str, form: Mapping[str, Any], manifest: Manifest, language: str,
              _: Gettext) -> Submitted:
    result = Submitted()
    read_identity(form, _, result)
    read_details(kind, form, manifest, language, _, result)
    return result
