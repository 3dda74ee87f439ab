"""Rules on purposes: legal bases, retention, profiling, sources and information duties."""

from __future__ import annotations

from collections.abc import Iterator

from personvern.lint.facts import related, stored_categories
from personvern.lint.rule import Hit, rule
from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import (
    ConsentBasis,
    LegalObligationBasis,
    LegitimateInterestsBasis,
    Purpose,
)
from personvern.manifest.taxonomy import within


def _purposes(loaded: LoadedManifest) -> Iterator[tuple[str, Purpose]]:
    yield from loaded.manifest.purposes.items()


def _bases(loaded: LoadedManifest) -> Iterator[tuple[str, Purpose, int]]:
    for key, purpose in _purposes(loaded):
        for index in range(len(purpose.legal_basis)):
            yield key, purpose, index


@rule("PV001", "purpose-without-legal-basis", "error", "GDPR Art. 6(1), 13(1)(c)",
      fix="Add legal_basis: consent | contract | legal_obligation | legitimate_interests | …")
def purpose_without_legal_basis(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose names no legal basis.

    Processing is lawful only on one of the six bases of Art. 6(1), and the notice must
    state the basis of each purpose (Art. 13(1)(c)). Many real notices describe what they
    do but never say on what basis.
    """
    for key, purpose in _purposes(loaded):
        if not purpose.legal_basis:
            yield ("purposes", key), f"purpose {key!r} has no legal basis"


@rule("PV002", "purpose-without-retention", "error", "GDPR Art. 5(1)(e), 13(2)(a)",
      fix="Add retention: {after: P2Y, from: collected} or retention criteria.")
def purpose_without_retention(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose says nothing about how long data is kept.

    Storage limitation (Art. 5(1)(e)) requires data to be kept no longer than the purpose
    needs, and the notice must give the period or the criteria for it (Art. 13(2)(a)).
    """
    for key, purpose in _purposes(loaded):
        if purpose.retention is None:
            yield ("purposes", key), f"purpose {key!r} has no retention period or criteria"


@rule("PV003", "retention-criteria-vague", "warning", "GDPR Art. 13(2)(a); WP260 rev.01 §48",
      fix="State a period: retention: {after: P3Y, from: account_closed}.")
def retention_criteria_vague(loaded: LoadedManifest) -> Iterator[Hit]:
    """Retention is given only in words, with no period.

    The Article 29 Working Party's transparency guidelines (WP260, endorsed by the EDPB)
    say it is not enough to state that data is kept "as long as necessary": the period
    should let the subject assess how long their data is kept. A period the engine can
    enforce is also what retention sweeps need.
    """
    for key, purpose in _purposes(loaded):
        if purpose.retention and purpose.retention.after is None:
            yield ("purposes", key, "retention"), (
                f"purpose {key!r} gives retention only as criteria, with no period"
            )


@rule("PV004", "consent-without-withdrawal", "error", "GDPR Art. 7(3), 13(2)(c)",
      fix="Add withdrawal: how to withdraw (link, preference centre, e-mail), and channels:.")
def consent_without_withdrawal(loaded: LoadedManifest) -> Iterator[Hit]:
    """Consent is asked for, but no way to withdraw it is declared.

    The subject may withdraw consent at any time, as easily as it was given (Art. 7(3)),
    and must be told so (13(2)(c)).
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if isinstance(basis, ConsentBasis) and basis.withdrawal is None:
            yield ("purposes", key, "legal_basis", index), (
                f"purpose {key!r} rests on consent but says nothing of how to withdraw it"
            )


ONLINE_CHANNELS = {"banner", "checkout", "account", "app", "form", "double_opt_in", "portal"}
# Words (nb, sv, da, en) that show a withdrawal path as easy as the online consent was.
ONE_CLICK_WORDS = (
    "link", "lenke", "länk", "setting", "innstilling", "inställning", "indstilling", "portal",
    "preferanse", "preferens", "præference", "min side", "mina sidor", "account", "konto",
    "unsubscribe", "avmeld", "avregistr", "afmeld", "banner",
)


@rule("PV005", "consent-withdrawal-harder", "warning", "GDPR Art. 7(3)",
      fix="Let people withdraw on the channel they consented on (banner, portal, link).")
def consent_withdrawal_harder(loaded: LoadedManifest) -> Iterator[Hit]:
    """Consent given on the website or app can only be withdrawn by writing to the shop.

    Withdrawal must be as easy as giving consent (Art. 7(3)); EDPB Guidelines 05/2020 §114:
    consent given by one click must be withdrawable by one click, not by e-mail.
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if not (isinstance(basis, ConsentBasis) and basis.withdrawal):
            continue
        online = bool(ONLINE_CHANNELS & set(basis.channels))
        text = " ".join(basis.withdrawal.root.values()).lower()
        by_mail_only = "@" in text and not any(word in text for word in ONE_CLICK_WORDS)
        if online and by_mail_only:
            yield ("purposes", key, "legal_basis", index, "withdrawal"), (
                f"purpose {key!r}: consent is given online but withdrawn only by e-mail"
            )


@rule("PV006", "legitimate-interest-without-balancing", "error", "GDPR Art. 6(1)(f), 13(1)(d)",
      fix="Add interest: (what the shop gains) and balancing: (why it does not override the "
          "subject's rights).")
def legitimate_interest_without_balancing(loaded: LoadedManifest) -> Iterator[Hit]:
    """Legitimate interests are claimed without naming the interest or the balancing test.

    Art. 6(1)(f) needs a legitimate interest, necessity, and a balancing against the
    subject's interests and rights; the notice must name the interest (Art. 13(1)(d)) and the
    controller must be able to show the balancing (Art. 5(2)).
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if isinstance(basis, LegitimateInterestsBasis):
            missing = [n for n in ("interest", "balancing") if getattr(basis, n) is None]
            if missing:
                yield ("purposes", key, "legal_basis", index), (
                    f"purpose {key!r} rests on legitimate interests without "
                    + " or ".join(missing)
                )


@rule("PV007", "direct-marketing-objection", "error", "GDPR Art. 21(2)–(3)",
      fix="Remove objection: false; objection to direct marketing must always be honoured.")
def direct_marketing_objection(loaded: LoadedManifest) -> Iterator[Hit]:
    """A direct-marketing purpose says the subject cannot object.

    The objection to direct marketing, including profiling for it, is absolute: once the
    subject objects, the data may no longer be processed for that purpose (Art. 21(3)).
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if (isinstance(basis, LegitimateInterestsBasis) and not basis.objection
                and within(purpose.data_use, "marketing")):
            yield ("purposes", key, "legal_basis", index), (
                f"purpose {key!r} is direct marketing but declares objection: false"
            )


@rule("PV008", "legal-obligation-without-law", "error", "GDPR Art. 6(1)(c), 6(3)",
      fix="Name the law and section: law: Bokføringsloven, section: § 13.")
def legal_obligation_without_law(loaded: LoadedManifest) -> Iterator[Hit]:
    """A legal obligation is claimed without naming the law.

    The obligation must be laid down by Union or Member State law (Art. 6(3)); naming it is
    what lets the subject check it and what the retention period follows from.
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if isinstance(basis, LegalObligationBasis) and basis.law is None:
            yield ("purposes", key, "legal_basis", index), (
                f"purpose {key!r} rests on a legal obligation but names no law"
            )


@rule("PV009", "legal-obligation-without-section", "info", "GDPR Art. 6(3)",
      fix="Add section: the paragraph that sets the obligation.")
def legal_obligation_without_section(loaded: LoadedManifest) -> Iterator[Hit]:
    """A legal obligation names a law but not the section that imposes it.

    A whole act rarely obliges processing; the section does, and it sets the period (for
    bookkeeping, bokføringsloven § 13). Naming it lets an auditor check the claim.
    """
    for key, purpose, index in _bases(loaded):
        basis = purpose.legal_basis[index]
        if isinstance(basis, LegalObligationBasis) and basis.law and basis.section is None:
            yield ("purposes", key, "legal_basis", index), (
                f"purpose {key!r}: {basis.law} is named without the section"
            )


@rule("PV010", "special-category-without-condition", "error", "GDPR Art. 9(1)–(2), 10",
      fix="Add special_category_condition: a (explicit consent) … j, or stop processing it.")
def special_category_without_condition(loaded: LoadedManifest) -> Iterator[Hit]:
    """Special-category data is processed without an Art. 9(2) condition.

    Health, biometric, ethnic, religious, political and sexual-orientation data (Art. 9(1))
    may be processed only under one of the conditions of Art. 9(2), on top of an Art. 6
    basis; criminal-offence data only under Art. 10. A pet shop that stores a customer's
    own health information in a support chat is a common case.
    """
    for key, purpose in _purposes(loaded):
        for index, category in enumerate(purpose.categories):
            label = loaded.taxonomy.special_category(category)
            if label and purpose.special_category_condition is None:
                yield ("purposes", key, "categories", index), (
                    f"purpose {key!r} processes {category} (Art. {label}) "
                    "without an Art. 9(2) condition"
                )


@rule("PV011", "explicit-consent-for-special-category", "warning", "GDPR Art. 9(2)(a)",
      fix="Set explicit: true on the consent basis and ask for it explicitly.")
def explicit_consent_for_special_category(loaded: LoadedManifest) -> Iterator[Hit]:
    """Art. 9(2)(a) is used without the consent being marked explicit.

    Special categories need explicit consent: an express statement, not a pre-ticked box or
    an action implying consent (EDPB Guidelines 05/2020 §91–98).
    """
    for key, purpose in _purposes(loaded):
        consent = purpose.consent
        if purpose.special_category_condition == "a" and (consent is None or not consent.explicit):
            yield ("purposes", key, "special_category_condition"), (
                f"purpose {key!r} relies on Art. 9(2)(a) but its consent is not explicit"
            )


@rule("PV012", "consent-mixed-with-other-basis", "warning",
      "GDPR Art. 6(1); EDPB Guidelines 05/2020 §121–123",
      fix="Split the purpose, or keep one basis: a controller cannot fall back on another "
          "basis when consent is withdrawn.")
def consent_mixed_with_other_basis(loaded: LoadedManifest) -> Iterator[Hit]:
    """One purpose rests on consent and on another basis at once.

    Asking for consent while relying on another basis misleads the subject: if consent is
    withdrawn, the controller may not switch to legitimate interests for the same purpose.
    """
    for key, purpose in _purposes(loaded):
        kinds = {b.basis for b in purpose.legal_basis}
        if "consent" in kinds and len(kinds) > 1:
            yield ("purposes", key, "legal_basis"), (
                f"purpose {key!r} mixes consent with {', '.join(sorted(kinds - {'consent'}))}"
            )


@rule("PV013", "automated-decision-without-logic", "error", "GDPR Art. 13(2)(f), 22",
      fix="Describe profiling.logic (which data, how it weighs) and the significance.")
def automated_decision_without_logic(loaded: LoadedManifest) -> Iterator[Hit]:
    """Profiling or an automated decision is declared without meaningful information
    about the logic involved.

    Art. 13(2)(f) and 15(1)(h) require meaningful information about the logic, the
    significance and the envisaged consequences of automated decisions, including profiling.
    """
    for key, purpose in _purposes(loaded):
        profiling = purpose.profiling
        if profiling and profiling.logic is None:
            yield ("purposes", key, "profiling"), (
                f"purpose {key!r} profiles or decides automatically but describes no logic"
            )


@rule("PV014", "automated-decision-without-human-review", "error", "GDPR Art. 22(3)",
      fix="Add profiling.human_review: how to get a person to look at the decision.")
def automated_decision_without_human_review(loaded: LoadedManifest) -> Iterator[Hit]:
    """An automated decision with legal or similar effect offers no human intervention.

    Where Art. 22(2)(a) or (c) allows such a decision (a credit check before invoice
    payment), the subject keeps the right to human intervention, to express their view and
    to contest the decision (Art. 22(3)).
    """
    for key, purpose in _purposes(loaded):
        profiling = purpose.profiling
        if profiling and profiling.automated_decision and profiling.legal_effect and (
            profiling.human_review is None
        ):
            yield ("purposes", key, "profiling"), (
                f"purpose {key!r} makes automated decisions without a way to human review"
            )


@rule("PV015", "profiling-undeclared", "warning", "GDPR Art. 13(2)(f), 21(1)",
      fix="Add profiling: {logic: …} to the purpose.")
def profiling_undeclared(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose's data use is profiling, but no profiling is declared.

    The subject must be told of profiling and its logic (Art. 13(2)(f)) and may object to
    it (21(1)); without a profiling declaration the notice cannot say either.
    """
    for key, purpose in _purposes(loaded):
        if "profiling" in purpose.data_use and purpose.profiling is None:
            yield ("purposes", key, "data_use"), (
                f"purpose {key!r} uses {purpose.data_use} but declares no profiling"
            )


@rule("PV016", "third-party-source-unnamed", "error", "GDPR Art. 14(2)(f)",
      fix="Name the source: sources: [{kind: third_party, name: Vipps}].")
def third_party_source_unnamed(loaded: LoadedManifest) -> Iterator[Hit]:
    """Data comes from a third party that is not named.

    When data is not obtained from the subject, the notice must say from which source it
    originates (Art. 14(2)(f)).
    """
    for key, purpose in _purposes(loaded):
        for index, source in enumerate(purpose.sources):
            if source.kind == "third_party" and not (source.name or source.recipient):
                yield ("purposes", key, "sources", index), (
                    f"purpose {key!r} gets data from a third party it does not name"
                )


@rule("PV017", "purpose-without-categories", "warning", "GDPR Art. 30(1)(c), 14(1)(d)",
      fix="List the data categories the purpose uses.")
def purpose_without_categories(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose lists no data categories.

    The record of processing lists the categories of personal data per purpose
    (Art. 30(1)(c)), and Art. 14(1)(d) notices must name them; the engine also needs them to
    tell which stored fields a purpose may use.
    """
    for key, purpose in _purposes(loaded):
        if not purpose.categories:
            yield ("purposes", key), f"purpose {key!r} lists no data categories"


@rule("PV018", "purpose-category-stored-nowhere", "warning", "GDPR Art. 5(1)(a), 30(1)(c)",
      fix="Declare the field that holds it under datastores:, or remove the category.")
def purpose_category_stored_nowhere(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose names a category that no declared datastore holds.

    Either the data map is incomplete (and requests will miss that data), or the notice
    promises processing that does not happen. Checked only when datastores are declared.
    """
    if not loaded.manifest.datastores:
        return
    stored = stored_categories(loaded)
    users: dict[str, list[tuple[str, int]]] = {}
    for key, purpose in _purposes(loaded):
        for index, category in enumerate(purpose.categories):
            if not any(related(loaded, category, held) for held in stored):
                users.setdefault(category, []).append((key, index))
    # One finding per category, at its first use: a partial data map gives one line per
    # missing category, not one per purpose that names it.
    for category, uses in users.items():
        (first, index), others = uses[0], len(uses) - 1
        more = f" (and {others} more purpose{'s' if others > 1 else ''})" if others else ""
        yield ("purposes", first, "categories", index), (
            f"{category} is named by purpose {first!r}{more} but no datastore field holds it"
        )


@rule("PV019", "requirement-not-stated", "info", "GDPR Art. 13(2)(e)",
      fix="Add requirement: contractual | statutory | contract_prerequisite | voluntary, "
          "and consequences:.")
def requirement_not_stated(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose on contract or legal obligation does not say whether the data is required.

    The notice must say whether providing the data is a statutory or contractual
    requirement, or needed to enter a contract, and what happens if it is not provided
    (Art. 13(2)(e)).
    """
    for key, purpose in _purposes(loaded):
        if (purpose.has_basis("contract") or purpose.has_basis("legal_obligation")) and (
            purpose.requirement is None
        ):
            yield ("purposes", key), (
                f"purpose {key!r} does not say whether the data is required"
            )


@rule("PV020", "translation-missing", "warning", "GDPR Art. 12(1)",
      fix="Give the text in every language of organization.languages.")
def translation_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """A purpose's name or description lacks a language the notice is published in.

    Information must be given in clear and plain language the audience understands
    (Art. 12(1)); a notice in Norwegian with an English purpose name is not.
    """
    languages = set(loaded.manifest.organization.languages)
    for key, purpose in _purposes(loaded):
        for attribute in ("name", "description"):
            text = getattr(purpose, attribute)
            if text is None:
                continue
            missing = languages - text.languages
            if missing:
                yield ("purposes", key, attribute), (
                    f"purpose {key!r} {attribute} is missing {', '.join(sorted(missing))}"
                )


# Art. 8(1): 16 unless national law sets a lower age, not below 13. Norway:
# personopplysningsloven § 5; Sweden: lag (2018:218) 2 kap. 4 §; Denmark:
# databeskyttelsesloven § 6(2); Finland: tietosuojalaki 5 §. Germany keeps 16.
DIGITAL_CONSENT_AGE = {"NO": 13, "SE": 13, "DK": 13, "FI": 13, "DE": 16}


@rule("PV021", "children-consent-age", "warning", "GDPR Art. 8(1); personopplysningsloven § 5",
      fix="Set minimum_age: on the purpose (13 in the Nordics, 16 in DE) and ask a parent "
          "below it.")
def children_consent_age(loaded: LoadedManifest) -> Iterator[Hit]:
    """Children's data is processed on consent without an age limit at the national age.

    For information-society services offered directly to a child, consent below the
    national age of digital consent must be given or authorised by a parent (Art. 8(1)).
    """
    country = loaded.manifest.organization.country
    age = DIGITAL_CONSENT_AGE.get(country, 16)
    for key, purpose in _purposes(loaded):
        childrens = any(within(c, "user.childrens") for c in purpose.categories)
        if not (childrens and purpose.has_basis("consent")):
            continue
        if purpose.minimum_age is None:
            yield ("purposes", key), (
                f"purpose {key!r} processes children's data on consent without minimum_age"
            )
        elif purpose.minimum_age < age:
            yield ("purposes", key, "minimum_age"), (
                f"purpose {key!r}: minimum_age {purpose.minimum_age} is below the age of "
                f"digital consent in {country} ({age})"
            )
