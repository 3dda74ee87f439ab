"""What changed between two versions of a manifest, in words a customer understands.

Art. 12(1) and 13(3): a shop tells its customers about changes that matter to them —
new recipients, new purposes, another legal basis, longer or shorter retention, transfers
under another safeguard. ``personvern notice diff`` writes those sentences.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Contact, Cookie, Purpose, Recipient, Retention
from personvern.notice.phrases import Language
from personvern.notice.words import (
    address_text,
    basis_short,
    category_names,
    purpose_name,
    recipient_name,
    retention_text,
    transfer_route,
)


@dataclass(frozen=True)
class NoticeChange:
    """One change, with the sentence that tells it (``Hotjar was added as a processor …``)."""

    kind: str  # recipient_added, retention_shortened, basis, cookie_added, dpo …
    subject: str  # the key of what changed: a recipient, a purpose, a cookie, a field
    text: str


def diff_manifests(
    old: LoadedManifest, new: LoadedManifest, language: str
) -> list[NoticeChange]:
    """Every change between ``old`` and ``new`` that the privacy notice would show."""
    lang = Language(language)
    return [
        *_organization_changes(old, new, lang),
        *_recipient_changes(old, new, lang),
        *_purpose_changes(old, new, lang),
        *_cookie_changes(old, new, lang),
    ]


# --- organization --------------------------------------------------------------------


def _organization_changes(
    old: LoadedManifest, new: LoadedManifest, lang: Language
) -> Iterator[NoticeChange]:
    before, after = old.manifest.organization, new.manifest.organization
    if before.name != after.name:
        yield NoticeChange("controller", "name",
                           lang("change.controller", new=after.name, old=before.name))
    old_dpo, new_dpo = _dpo(before.dpo), _dpo(after.dpo)
    if old_dpo != new_dpo:
        if new_dpo:
            yield NoticeChange("dpo", "dpo", lang("change.dpo", dpo=new_dpo))
        else:
            yield NoticeChange("dpo_removed", "dpo", lang("change.dpo_removed"))
    fields = {
        "email": (before.email, after.email),
        "phone": (before.phone, after.phone),
        "address": (address_text(before, lang), address_text(after, lang)),
        "website": (before.website, after.website),
        "privacy_portal": (before.privacy_portal, after.privacy_portal),
    }
    for field, (was, now) in fields.items():
        if (was or "") == (now or ""):
            continue
        label = lang(f"field.{field}")
        if now:
            yield NoticeChange("contact", field, lang(
                "change.contact", field=label, new=now, old=was or lang("value.not_stated")))
        else:
            yield NoticeChange("contact", field,
                               lang("change.contact_removed", field=label, old=was))


def _dpo(dpo: Contact | None) -> str:
    if dpo is None:
        return ""
    contact = dpo.email or dpo.phone or ""
    if dpo.name and contact:
        return f"{dpo.name} ({contact})"
    return dpo.name or contact


# --- recipients (Art. 13(1)(e), (f)) ---------------------------------------------------


def _recipient_changes(
    old: LoadedManifest, new: LoadedManifest, lang: Language
) -> Iterator[NoticeChange]:
    before, after = old.manifest.recipients, new.manifest.recipients
    for key, recipient in after.items():
        if key not in before:
            yield _recipient_added(key, recipient, lang)
        else:
            yield from _recipient_changed(key, before[key], recipient, lang)
    for key, recipient in before.items():
        if key not in after:
            yield NoticeChange("recipient_removed", key, lang(
                "change.recipient_removed", name=recipient_name(recipient)))


def _where(recipient: Recipient) -> str | None:
    return recipient.country or next(iter(recipient.data_locations), None)


def _recipient_added(key: str, recipient: Recipient, lang: Language) -> NoticeChange:
    name, role = recipient_name(recipient), lang(f"role_a.{recipient.role}")
    where = _where(recipient)
    if where:
        sentence = lang("change.recipient_added", name=name, role=role,
                        where=lang.in_country(where))
    else:
        sentence = lang("change.recipient_added_nowhere", name=name, role=role)
    return NoticeChange("recipient_added", key, sentence)


def _recipient_changed(
    key: str, before: Recipient, after: Recipient, lang: Language
) -> Iterator[NoticeChange]:
    name = recipient_name(after)
    if before.role != after.role:
        yield NoticeChange("recipient_role", key, lang(
            "change.recipient_role", name=name, role=lang(f"role_a.{after.role}"),
            old=lang(f"role_a.{before.role}")))
    was, now = _where(before), _where(after)
    if was != now and now:
        yield NoticeChange("recipient_country", key, lang(
            "change.recipient_country", name=name, where=lang.in_country(now),
            old=lang.country(was) if was else lang("value.not_stated")))
    old_route, new_route = transfer_route(before), transfer_route(after)
    old_mechanism = old_route.mechanism if old_route else "none"
    new_mechanism = new_route.mechanism if new_route else "none"
    if old_mechanism == new_mechanism:
        return
    if new_route is None or new_mechanism == "none":
        if old_mechanism != "none" and new_route is not None:
            yield NoticeChange("recipient_transfer", key, lang(
                "change.recipient_transfer_removed", name=name))
        return
    safeguard = lang(f"safeguard_short.{new_mechanism}", letter=new_route.derogation or "?")
    yield NoticeChange("recipient_transfer", key, lang(
        "change.recipient_transfer", name=name, safeguard=safeguard))


# --- purposes (Art. 13(1)(c), 13(2)(a)) ------------------------------------------------


def _purpose_changes(
    old: LoadedManifest, new: LoadedManifest, lang: Language
) -> Iterator[NoticeChange]:
    before, after = old.manifest.purposes, new.manifest.purposes
    for key, purpose in after.items():
        if key not in before:
            yield NoticeChange("purpose_added", key, lang(
                "change.purpose_added", purpose=lang.quote(purpose_name(purpose, lang))))
            continue
        yield from _purpose_changed(old, new, key, before[key], purpose, lang)
    for key, purpose in before.items():
        if key not in after:
            yield NoticeChange("purpose_removed", key, lang(
                "change.purpose_removed", purpose=lang.quote(purpose_name(purpose, lang))))


def _purpose_changed(
    old: LoadedManifest, new: LoadedManifest, key: str, before: Purpose, after: Purpose,
    lang: Language,
) -> Iterator[NoticeChange]:
    quoted = lang.quote(purpose_name(after, lang))
    if {b.basis for b in before.legal_basis} != {b.basis for b in after.legal_basis}:
        yield NoticeChange("basis", key, lang(
            "change.basis", purpose=quoted, old=basis_short(before, lang),
            new=basis_short(after, lang)))
    retention = _retention_change(before.retention, after.retention, quoted, lang)
    if retention:
        yield NoticeChange(retention[0], key, retention[1])
    added = [c for c in after.categories if c not in before.categories]
    removed = [c for c in before.categories if c not in after.categories]
    if added:
        yield NoticeChange("categories_added", key, lang(
            "change.categories_added", purpose=quoted,
            categories=lang.join(category_names(new, tuple(added), lang))))
    if removed:
        yield NoticeChange("categories_removed", key, lang(
            "change.categories_removed", purpose=quoted,
            categories=lang.join(category_names(old, tuple(removed), lang))))
    gained = [new.manifest.recipients[r] for r in after.recipients
              if r not in before.recipients and r in new.manifest.recipients]
    lost = [old.manifest.recipients[r] for r in before.recipients
            if r not in after.recipients and r in old.manifest.recipients]
    if gained:
        yield NoticeChange("purpose_recipients_added", key, lang(
            "change.purpose_recipients_added", purpose=quoted,
            names=lang.join(recipient_name(r) for r in gained)))
    if lost:
        yield NoticeChange("purpose_recipients_removed", key, lang(
            "change.purpose_recipients_removed", purpose=quoted,
            names=lang.join(recipient_name(r) for r in lost)))


def _retention_change(
    before: Retention | None, after: Retention | None, quoted: str, lang: Language
) -> tuple[str, str] | None:
    """Shortened or extended when the same anchor keeps a shorter or longer period
    (compared by :meth:`Duration.approximate_days`); otherwise described anew."""
    if before == after:
        return None
    if (
        before is not None and after is not None
        and before.after is not None and after.after is not None
        and before.from_ == after.from_
    ):
        was, now = before.after.approximate_days(), after.after.approximate_days()
        if was != now:
            kind = "retention_shortened" if now < was else "retention_lengthened"
            return kind, lang(f"change.{kind}", purpose=quoted,
                              old=lang.duration(before.after), new=lang.duration(after.after))
    described = retention_text(after, lang).rstrip(".") or lang("value.not_stated")
    return "retention_changed", lang("change.retention_changed", purpose=quoted,
                                     new=described[:1].lower() + described[1:])


# --- cookies (ePrivacy Art. 5(3)) ---------------------------------------------------------


def _cookie_changes(
    old: LoadedManifest, new: LoadedManifest, lang: Language
) -> Iterator[NoticeChange]:
    def keyed(loaded: LoadedManifest) -> dict[tuple[str, str | None], Cookie]:
        return {(c.name, c.domain): c for c in loaded.manifest.cookies}

    before, after = keyed(old), keyed(new)
    for key, cookie in after.items():
        if key not in before:
            category = new.manifest.consent_categories.get(cookie.category)
            yield NoticeChange("cookie_added", cookie.name, lang(
                "change.cookie_added", cookie=cookie.name,
                provider=_provider(new, cookie, lang),
                category=category.name.best(lang.code) if category else cookie.category))
    for key, cookie in before.items():
        if key not in after:
            yield NoticeChange("cookie_removed", cookie.name, lang(
                "change.cookie_removed", cookie=cookie.name,
                provider=_provider(old, cookie, lang)))


def _provider(loaded: LoadedManifest, cookie: Cookie, lang: Language) -> str:
    recipient = loaded.manifest.recipients.get(cookie.provider)
    if recipient is not None:
        return recipient_name(recipient)
    return lang("cookies.first_party", org=loaded.manifest.organization.name)


def describe_changes(changes: list[NoticeChange], language: str) -> str:
    """The changes as lines of text, or the sentence that nothing changed."""
    if not changes:
        return Language(language)("change.none") + "\n"
    return "".join(f"- {change.text}\n" for change in changes)
