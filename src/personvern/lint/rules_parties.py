"""Rules on the controller and on recipients: contacts, DPO, processors, transfers."""

from __future__ import annotations

from collections.abc import Iterator

from stdnum.dk import cvr
from stdnum.fi import ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from personvern import catalog
from personvern.lint.rule import Hit, rule
from personvern.manifest.load import LoadedManifest
from personvern.manifest.taxonomy import within

# Org number validators by country (python-stdnum), so a typo is caught before the number
# is printed in the notice and the record of processing.
ORG_NUMBER_VALIDATORS = {
    "NO": no_orgnr.is_valid,
    "SE": se_orgnr.is_valid,
    "DK": cvr.is_valid,
    "FI": ytunnus.is_valid,
}


@rule("PV030", "controller-contact-missing", "error", "GDPR Art. 13(1)(a)",
      fix="Add organization.email (and address) so subjects can reach the controller.")
def controller_contact_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """The controller gives no contact details.

    The notice must give the identity and the contact details of the controller
    (Art. 13(1)(a)). "Contact us at the address above" with no address is a real gap.
    """
    organization = loaded.manifest.organization
    if organization.email is None and organization.privacy_portal is None:
        yield ("organization",), "the organization gives no e-mail or privacy portal"
    if organization.address is None:
        yield ("organization",), "the organization gives no postal address"


@rule("PV031", "org-number-invalid", "error", "GDPR Art. 13(1)(a), 30(1)(a)",
      fix="Check the organisation number against the national register.")
def org_number_invalid(loaded: LoadedManifest) -> Iterator[Hit]:
    """The organisation number fails its national check digit.

    The controller is identified in the notice and in the record of processing by its
    registered number (Art. 13(1)(a), 30(1)(a)). Norwegian, Swedish, Danish and Finnish
    numbers carry a check digit, so a typo is caught here before it is published.
    """
    organization = loaded.manifest.organization
    validate = ORG_NUMBER_VALIDATORS.get(organization.country)
    if organization.org_number and validate and not validate(organization.org_number):
        yield ("organization", "org_number"), (
            f"{organization.org_number!r} is not a valid {organization.country} "
            "organisation number"
        )


@rule("PV032", "org-number-missing", "info", "GDPR Art. 13(1)(a), 30(1)(a)",
      fix="Add organization.org_number.")
def org_number_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """The controller is not identified by its organisation number.

    A name alone can be ambiguous; the registered number identifies the legal person that
    is responsible (Art. 13(1)(a)) and belongs in the record of processing (30(1)(a)).
    """
    organization = loaded.manifest.organization
    if organization.org_number is None and organization.country in ORG_NUMBER_VALIDATORS:
        yield ("organization",), "the organization has no org_number"


@rule("PV033", "dpo-assessment-missing", "warning", "GDPR Art. 37(1)(b)–(c), 37(7)",
      fix="Appoint a DPO (organization.dpo) or record why none is needed "
          "(organization.dpo_assessment).")
def dpo_assessment_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """Systematic monitoring or special categories, without a DPO or an assessment.

    A DPO is mandatory where core activities consist of regular and systematic monitoring
    of subjects on a large scale (profiling for advertising, tracking) or large-scale
    processing of special categories (Art. 37(1)(b)–(c)). Whether that applies is an
    assessment the controller must be able to show (Art. 5(2)); the EDPB's DPO guidelines
    recommend documenting it.
    """
    organization = loaded.manifest.organization
    if organization.dpo or organization.dpo_assessment:
        return
    monitoring = [
        key for key, p in loaded.manifest.purposes.items()
        if p.profiling or "profiling" in p.data_use
        or within(p.data_use, "marketing.advertising")
        or any(loaded.taxonomy.special_category(c) for c in p.categories)
    ]
    if monitoring:
        yield ("organization",), (
            f"profiling or special categories ({', '.join(monitoring[:3])}"
            f"{'…' if len(monitoring) > 3 else ''}) and neither a DPO nor a DPO assessment"
        )


@rule("PV034", "dpo-contact-missing", "error", "GDPR Art. 13(1)(b), 37(7)",
      fix="Give organization.dpo.email (a functional address is enough).")
def dpo_contact_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """A DPO is named without contact details.

    The controller shall publish the contact details of the DPO (Art. 37(7)) and give them
    in the notice (13(1)(b)); a name is not a contact.
    """
    dpo = loaded.manifest.organization.dpo
    if dpo and not (dpo.email or dpo.phone or dpo.url):
        yield ("organization", "dpo"), "the DPO has no e-mail, phone or url"


@rule("PV035", "supervisory-authority-unknown", "error", "GDPR Art. 13(2)(d), 77",
      fix="Add organization.supervisory_authority with name and contact details.")
def supervisory_authority_unknown(loaded: LoadedManifest) -> Iterator[Hit]:
    """No supervisory authority is known for the controller's country.

    The notice must tell subjects of their right to lodge a complaint with a supervisory
    authority (Art. 13(2)(d)); personvern knows the Nordic and German ones.
    """
    organization = loaded.manifest.organization
    if organization.supervisory_authority is None:
        yield ("organization", "country"), (
            f"no supervisory authority is known for {organization.country}; declare one"
        )


@rule("PV036", "representative-missing", "error", "GDPR Art. 27",
      fix="Designate a representative in the EEA (organization.representative).")
def representative_missing(loaded: LoadedManifest) -> Iterator[Hit]:
    """A controller outside the EEA has no representative in it.

    A controller not established in the Union that offers goods or services to people in it
    must designate in writing a representative in a member state (Art. 27(1)), unless the
    processing is occasional and low-risk (27(2)).
    """
    organization = loaded.manifest.organization
    if not catalog.is_eea(organization.country) and organization.representative is None:
        yield ("organization", "country"), (
            f"the controller is in {organization.country}, outside the EEA, "
            "and names no representative"
        )


@rule("PV040", "third-country-without-transfer", "error", "GDPR Art. 44–49",
      fix="Add transfer: dpf | scc | bcr | adequacy | {mechanism: derogation, derogation: a}.")
def third_country_without_transfer(loaded: LoadedManifest) -> Iterator[Hit]:
    """A recipient outside the EEA has no transfer mechanism.

    A transfer to a third country is lawful only under an adequacy decision (Art. 45),
    appropriate safeguards such as SCC or BCR (46–47), or a derogation (49). The notice must
    name the safeguard (Art. 13(1)(f)).
    """
    for key, recipient in loaded.manifest.recipients.items():
        places = [c for c in (recipient.country, *recipient.data_locations) if c]
        outside = [c for c in places if catalog.transfer_status(c) not in ("eea", "adequacy")]
        if outside and (recipient.transfer is None or recipient.transfer.mechanism == "none"):
            yield ("recipients", key), (
                f"recipient {key!r} is in {', '.join(outside)}, outside the EEA, "
                "with no transfer mechanism"
            )


@rule("PV041", "transfer-mechanism-invalid", "error", "GDPR Art. 45, 46",
      fix="Use scc for countries without an adequacy decision; dpf only for certified US "
          "recipients.")
def transfer_mechanism_invalid(loaded: LoadedManifest) -> Iterator[Hit]:
    """The transfer mechanism does not exist for that country.

    Adequacy covers only the countries with a Commission decision; the Data Privacy
    Framework only US organisations certified under it (decision of 10 July 2023).
    """
    for key, recipient in loaded.manifest.recipients.items():
        transfer, country = recipient.transfer, recipient.country
        if transfer is None or country is None:
            continue
        status = catalog.transfer_status(country)
        if transfer.mechanism == "adequacy" and status not in ("adequacy", "eea"):
            yield ("recipients", key, "transfer"), (
                f"recipient {key!r}: {country} has no adequacy decision"
                + (" (for the USA, use dpf for certified recipients)" if country == "US" else "")
            )
        if transfer.mechanism == "dpf" and country not in ("US",) and status != "eea":
            yield ("recipients", key, "transfer"), (
                f"recipient {key!r}: the Data Privacy Framework covers only US recipients"
            )


@rule("PV042", "derogation-without-ground", "error", "GDPR Art. 49(1)",
      fix="Say which Art. 49(1) point applies: derogation: a (explicit consent) … g.")
def derogation_without_ground(loaded: LoadedManifest) -> Iterator[Hit]:
    """A transfer rests on a derogation without naming which one.

    Art. 49 derogations are exceptions, interpreted strictly (EDPB Guidelines 2/2018); each
    needs its own ground, and occasional transfers only.
    """
    for key, recipient in loaded.manifest.recipients.items():
        transfer = recipient.transfer
        if transfer and transfer.mechanism == "derogation" and transfer.derogation is None:
            yield ("recipients", key, "transfer"), (
                f"recipient {key!r}: derogation transfer without its Art. 49(1) point"
            )


@rule("PV043", "processor-without-dpa", "error", "GDPR Art. 28(3)",
      fix="Record the data processing agreement: dpa_signed: 2024-05-01.")
def processor_without_dpa(loaded: LoadedManifest) -> Iterator[Hit]:
    """A processor is used without a recorded data processing agreement.

    Processing by a processor shall be governed by a contract that sets out the subject
    matter, duration, nature and purpose, categories and the processor's duties (28(3)).
    """
    for key, recipient in loaded.manifest.recipients.items():
        if recipient.role in ("processor", "sub_processor") and not recipient.dpa_signed:
            yield ("recipients", key), f"processor {key!r} has no dpa_signed date"


@rule("PV044", "sub-processor-without-processor", "warning", "GDPR Art. 28(2), 28(4)",
      fix="Say which processor engages it: via: <recipient key>.")
def sub_processor_without_processor(loaded: LoadedManifest) -> Iterator[Hit]:
    """A sub-processor does not say which processor engaged it.

    A processor may engage another only with the controller's authorisation, and passes on
    the same obligations (Art. 28(2), (4)); the chain must be known to be controlled.
    """
    for key, recipient in loaded.manifest.recipients.items():
        if recipient.role == "sub_processor" and recipient.via is None:
            yield ("recipients", key), f"sub-processor {key!r} names no processor (via:)"
        if recipient.via:
            via = loaded.manifest.recipients[recipient.via]
            if via.role not in ("processor", "sub_processor"):
                yield ("recipients", key, "via"), (
                    f"{key!r} is engaged via {recipient.via!r}, which is not a processor"
                )


@rule("PV045", "joint-controller-without-arrangement", "error", "GDPR Art. 26(1)–(2)",
      fix="Add arrangement: the essence of the joint-controller arrangement.")
def joint_controller_without_arrangement(loaded: LoadedManifest) -> Iterator[Hit]:
    """Joint controllers without the essence of their arrangement.

    Joint controllers determine their respective responsibilities in an arrangement, whose
    essence shall be made available to the subject (Art. 26(2)).
    """
    for key, recipient in loaded.manifest.recipients.items():
        if recipient.role == "joint_controller" and recipient.arrangement is None:
            yield ("recipients", key), (
                f"joint controller {key!r} has no arrangement described"
            )


@rule("PV046", "recipient-unused", "warning", "GDPR Art. 13(1)(e), 30(1)(d)",
      fix="Add the recipient to the purposes that share data with it, or remove it.")
def recipient_unused(loaded: LoadedManifest) -> Iterator[Hit]:
    """A recipient is declared but no purpose shares data with it and no cookie is its.

    The notice names recipients per purpose; a recipient attached to nothing cannot be
    explained and will never get an Art. 19 notification.
    """
    manifest = loaded.manifest
    used = {r for p in manifest.purposes.values() for r in p.recipients}
    used |= {c.provider for c in manifest.cookies}
    used |= {r.via for r in manifest.recipients.values() if r.via}
    used |= {s.recipient for p in manifest.purposes.values() for s in p.sources if s.recipient}
    for key in manifest.recipients:
        if key not in used:
            yield ("recipients", key), f"recipient {key!r} is used by no purpose or cookie"
