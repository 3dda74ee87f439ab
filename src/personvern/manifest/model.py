"""The privacy manifest: a shop's processing of personal data, declared once.

These types check the *shape* of a manifest (types, required fields, allowed values).
Whether the declared processing is lawful and complete is the linter's question
(:mod:`personvern.lint`), so a real notice with gaps still loads and the gaps are reported
with the article they break. Every model is frozen: a loaded manifest is a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    RootModel,
    SecretStr,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from personvern.duration import Duration

# --- small value types ----------------------------------------------------------------

KEY_PATTERN = r"^[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*$"
Key = Annotated[
    str, StringConstraints(pattern=KEY_PATTERN, max_length=100)
]
"""A manifest identifier: lower case, digits, ``_``, ``.`` and ``-`` (``order_fulfilment``)."""

FieldPath = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$",
                           max_length=200)
]
"""A column (``email``) or ``collection.column`` within one datastore."""

Country = Annotated[
    str,
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
]
"""ISO 3166-1 alpha-2 country code (``NO``, ``SE``, ``US``)."""

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
"""ISO 639 language code: ``nb``, ``sv``, ``da``, ``fi``, ``en``, ``de``."""

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
    ),
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=2000)
]
ShortText = Annotated[
    str,
    # YAML reads 923609016 or 0155 as numbers; an org number or postal code is still text.
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
]

DEFAULT_LANGUAGE = "en"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


LongText = Annotated[str, StringConstraints(max_length=20_000)]


class LocalizedText(RootModel[dict[Language, LongText]]):
    """Text per language. A plain string is taken as written in the manifest's first language."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            context = info.context if isinstance(info.context, dict) else {}
            return {context.get("language", DEFAULT_LANGUAGE): value}
        return value

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.root)

    def get(self, language: str) -> str | None:
        return self.root.get(language)

    def best(self, language: str, fallbacks: tuple[str, ...] = ("en", "nb", "sv")) -> str:
        """The text in ``language``, else in a fallback language, else any."""
        for candidate in (language, *fallbacks):
            if candidate in self.root:
                return self.root[candidate]
        return next(iter(self.root.values()), "")


def _one_or_many(value: Any) -> Any:
    """Allow ``key: x`` where a list is expected: it means ``key: [x]``."""
    if value is None:
        return ()
    return [value] if isinstance(value, (str, dict)) else value


def _named(field: str) -> Any:
    """Allow a bare string where a model is expected: ``strategy: nullify`` → ``{field: …}``."""

    def expand(value: Any) -> Any:
        return {field: value} if isinstance(value, str) else value

    return BeforeValidator(expand)


# --- time ----------------------------------------------------------------------------

AnchorEvent = Literal[
    "collected",  # when the row was stored
    "last_activity",  # the customer's last sign of life (login, order, consent)
    "account_closed",
    "contract_end",
    "consent_withdrawn",
    "subscription_end",
    "request_completed",
]


class Anchor(Frozen):
    """Where a period starts: a date column, or an event, optionally moved to a year's end.

    ``{column: created_at, end_of: fiscal_year}`` is how bookkeeping laws count: the period
    runs from the end of the financial year in which the document was made.
    """

    column: str | None = Field(None, max_length=100)
    event: AnchorEvent | None = None
    end_of: Literal["fiscal_year", "calendar_year"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"event": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> Anchor:
        if (self.column is None) == (self.event is None):
            raise ValueError("give exactly one of column: or event:")
        return self


class Period(Frozen):
    """``after`` this long, counted ``from`` the anchor."""

    after: Duration
    from_: Anchor = Field(alias="from")


# --- organization ---------------------------------------------------------------------


class Contact(Frozen):
    name: ShortText | None = None
    email: Email | None = None
    phone: ShortText | None = None
    address: ShortText | None = None
    url: Url | None = None


class Address(Frozen):
    street: ShortText
    postal_code: ShortText
    city: ShortText
    country: Country


class SupervisoryAuthority(Frozen):
    name: ShortText
    email: Email | None = None
    phone: ShortText | None = None
    address: ShortText | None = None
    url: Url | None = None


class Organization(Frozen):
    name: ShortText
    org_number: ShortText | None = None
    country: Country
    address: Address | None = None
    email: Email | None = None
    phone: ShortText | None = None
    website: Url | None = None
    privacy_portal: Url | None = None
    dpo: Contact | None = None
    dpo_assessment: LocalizedText | None = None
    representative: Contact | None = None  # Art. 27, for controllers outside the EEA
    supervisory_authority: SupervisoryAuthority | None = None
    languages: tuple[Language, ...] = (DEFAULT_LANGUAGE,)
    fiscal_year_start: Annotated[
        str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
    ] = "01-01"
    security_measures: LocalizedText | None = None  # Art. 30(1)(g)

    @model_validator(mode="after")
    def _languages(self) -> Organization:
        if not self.languages:
            raise ValueError("languages: name at least one language of the notice")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages: a language is listed twice")
        return self

    @property
    def fiscal_year_start_month_day(self) -> tuple[int, int]:
        month, day = self.fiscal_year_start.split("-")
        return int(month), int(day)


# --- vocabulary -----------------------------------------------------------------------


class CustomCategory(Frozen):
    """A data category of the shop's own, placed under an existing fideslang key."""

    parent: Key
    name: LocalizedText | None = None
    description: LocalizedText | None = None


class CustomSubject(Frozen):
    name: LocalizedText | None = None
    description: LocalizedText | None = None


class ConsentCategory(Frozen):
    """A category of the cookie banner (necessary, performance, functional, marketing…)."""

    name: LocalizedText
    description: LocalizedText | None = None
    necessary: bool = False  # strictly necessary storage needs no consent (ePrivacy 5(3))


# --- legal bases (Art. 6(1)) -----------------------------------------------------------

BASIS_ALIASES = {
    "6(1)(a)": "consent",
    "6(1)(b)": "contract",
    "6(1)(c)": "legal_obligation",
    "6(1)(d)": "vital_interests",
    "6(1)(e)": "public_task",
    "6(1)(f)": "legitimate_interests",
}
ConsentChannel = Literal[
    "banner", "portal", "checkout", "account", "email", "double_opt_in", "app", "form",
    "paper", "phone", "import", "api",
]


class ConsentBasis(Frozen):
    """Art. 6(1)(a). Consent must be as easy to withdraw as to give (Art. 7(3))."""

    basis: Literal["consent"]
    category: Key | None = None  # the banner's consent category, for cookie-based processing
    channels: Annotated[tuple[ConsentChannel, ...], BeforeValidator(_one_or_many)] = ()
    withdrawal: LocalizedText | None = None
    explicit: bool = False  # Art. 9(2)(a)/49(1)(a): explicit consent


class ContractBasis(Frozen):
    """Art. 6(1)(b): necessary for a contract with the subject, or steps before one."""

    basis: Literal["contract"]
    contract: LocalizedText | None = None


class LegalObligationBasis(Frozen):
    """Art. 6(1)(c), with the law that sets the obligation (Art. 6(3))."""

    basis: Literal["legal_obligation"]
    law: ShortText | None = None
    section: ShortText | None = None
    country: Country | None = None


class VitalInterestsBasis(Frozen):
    basis: Literal["vital_interests"]
    description: LocalizedText | None = None


class PublicTaskBasis(Frozen):
    basis: Literal["public_task"]
    law: ShortText | None = None


class LegitimateInterestsBasis(Frozen):
    """Art. 6(1)(f): the interest, the balancing against the subject's, and objection."""

    basis: Literal["legitimate_interests"]
    interest: LocalizedText | None = None
    balancing: LocalizedText | None = None
    objection: bool = True  # whether the subject may object (Art. 21(1))


def _basis_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        value = {"basis": value}
    if isinstance(value, dict) and isinstance(value.get("basis"), str):
        basis = value["basis"].strip()
        value = {**value, "basis": BASIS_ALIASES.get(basis.replace(" ", ""), basis)}
    return value


LegalBasis = Annotated[
    ConsentBasis
    | ContractBasis
    | LegalObligationBasis
    | VitalInterestsBasis
    | PublicTaskBasis
    | LegitimateInterestsBasis,
    Field(discriminator="basis"),
    BeforeValidator(_basis_shorthand),
]

Art9Condition = Literal["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]


# --- purposes -------------------------------------------------------------------------


class DataSource(Frozen):
    """Where the data of a purpose comes from; Art. 14 applies when not from the subject."""

    kind: Literal["subject", "observed", "generated", "third_party", "public"]
    name: ShortText | None = None  # the third party, for Art. 14(2)(f)
    recipient: Key | None = None  # the third party, when it is also a declared recipient

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value


class Profiling(Frozen):
    """Profiling or automated decisions (Art. 22; information duty in Art. 13(2)(f))."""

    logic: LocalizedText | None = None
    automated_decision: bool = False
    legal_effect: bool = False  # legal or similarly significant effect (Art. 22(1))
    significance: LocalizedText | None = None
    human_review: LocalizedText | None = None  # how to obtain human intervention (22(3))


class Retention(Frozen):
    """How long a purpose keeps data: a period from an anchor, or criteria in words."""

    after: Duration | None = None
    from_: Anchor | None = Field(None, alias="from")
    criteria: LocalizedText | None = None

    @model_validator(mode="after")
    def _something(self) -> Retention:
        if self.after is None and self.criteria is None:
            raise ValueError("give after: (an ISO-8601 duration) or criteria:")
        if self.after is not None and self.from_ is None:
            raise ValueError("after: needs from: (collected, last_activity, account_closed…)")
        return self


Requirement = Literal["statutory", "contractual", "contract_prerequisite", "voluntary"]


class Purpose(Frozen):
    name: LocalizedText
    description: LocalizedText | None = None
    data_use: Key
    legal_basis: Annotated[tuple[LegalBasis, ...], BeforeValidator(_one_or_many)] = ()
    special_category_condition: Art9Condition | None = None  # Art. 9(2)(a)–(j)
    categories: Annotated[tuple[Key, ...], BeforeValidator(_one_or_many)] = ()
    subjects: Annotated[tuple[Key, ...], BeforeValidator(_one_or_many)] = ("customer",)
    sources: Annotated[tuple[DataSource, ...], BeforeValidator(_one_or_many)] = (
        DataSource(kind="subject"),
    )
    recipients: Annotated[tuple[Key, ...], BeforeValidator(_one_or_many)] = ()
    profiling: Profiling | None = None
    retention: Retention | None = None
    requirement: Requirement | None = None  # Art. 13(2)(e)
    consequences: LocalizedText | None = None  # of not providing the data, 13(2)(e)
    minimum_age: Annotated[int, Field(ge=0, le=18)] | None = None  # Art. 8(1)

    @model_validator(mode="after")
    def _retention_counts_from_an_event(self) -> Purpose:
        anchor = self.retention.from_ if self.retention else None
        if anchor is not None and anchor.column is not None:
            raise ValueError(
                "retention.from: a purpose's period counts from an event (collected, "
                "account_closed…); date columns belong to datastore retention rules"
            )
        return self

    @property
    def consent(self) -> ConsentBasis | None:
        return next((b for b in self.legal_basis if isinstance(b, ConsentBasis)), None)

    def has_basis(self, basis: str) -> bool:
        return any(b.basis == basis for b in self.legal_basis)


# --- recipients -----------------------------------------------------------------------


def _date_or_flag(value: Any) -> date | bool | None:
    if value is None or isinstance(value, (bool, date)):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError("give a date (2024-05-01), or true when the date is unknown") from None

RecipientRole = Literal[
    "processor", "sub_processor", "joint_controller", "independent_controller",
    "public_authority",
]
TransferMechanism = Literal["adequacy", "dpf", "scc", "bcr", "derogation", "none"]


class Transfer(Frozen):
    """The Chapter V safeguard for a transfer outside the EEA (Art. 44–49)."""

    mechanism: TransferMechanism
    derogation: Literal["a", "b", "c", "d", "e", "f", "g"] | None = None  # Art. 49(1)
    description: LocalizedText | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"mechanism": value} if isinstance(value, str) else value


class Recipient(Frozen):
    catalog: Key | None = None
    name: ShortText
    entity: ShortText | None = None
    role: RecipientRole
    country: Country | None = None
    transfer: Transfer | None = None
    # Art. 28(3) contract: the date it was signed, or true when it exists undated.
    dpa_signed: Annotated[
        date | bool | None,
        PlainValidator(_date_or_flag),
        PlainSerializer(lambda v: v.isoformat() if isinstance(v, date) else v),
    ] = None
    # Where the data is stored, when that differs from the entity's country ("EU" allowed).
    data_locations: Annotated[
        tuple[Country | Literal["EEA"], ...], BeforeValidator(_one_or_many)
    ] = ()
    via: Key | None = None  # for a sub-processor: the processor that engages it
    arrangement: LocalizedText | None = None  # Art. 26(2): essence of the joint arrangement
    service: ShortText | None = None
    description: LocalizedText | None = None
    website: Url | None = None
    privacy_policy: Url | None = None


# --- cookies --------------------------------------------------------------------------


class Cookie(Frozen):
    """A cookie or similar technology (pixel, local storage) set on the shop's pages."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$")]
    provider: Key = "first_party"  # a recipient key, or first_party
    category: Key
    purposes: Annotated[tuple[Key, ...], BeforeValidator(_one_or_many)] = ()
    description: LocalizedText | None = None
    duration: Duration | Literal["session"] | None = None
    party: Literal["first", "third"] = "first"
    kind: Literal["cookie", "local_storage", "session_storage", "pixel"] = "cookie"
    domain: ShortText | None = None
    catalog: Key | None = None  # the vendor this entry was taken from

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name

    def matches(self, cookie_name: str) -> bool:
        if not self.is_pattern:
            return cookie_name == self.name
        regex = "^" + ".*".join(re.escape(part) for part in self.name.split("*")) + "$"
        return re.match(regex, cookie_name) is not None


# --- datastores -----------------------------------------------------------------------

IdentityKind = Literal[
    "email", "phone", "customer_number", "national_id", "order_number", "username",
    "visitor_id",
]
MaskingStrategy = Literal[
    "delete_row",  # remove the whole row
    "nullify",  # set NULL
    "redact",  # a fixed value such as "[erased]"
    "pseudonymize",  # keyed HMAC-SHA-256 pseudonym
    "randomize",  # a random value of the same format
    "generalize_date",  # keep only the year or the month
    "truncate_ip",  # IPv4 /24, IPv6 /48 (LEGAL.md conventions)
    "generalize_user_agent",  # keep the browser family only
    "keep",  # not personal on its own; kept as is
]
FieldType = Literal[
    "string", "text", "integer", "decimal", "float", "boolean", "date", "datetime", "json",
    "binary", "uuid",
]


class Masking(Frozen):
    strategy: MaskingStrategy
    value: ShortText | None = None  # for redact
    precision: Literal["year", "month"] | None = None  # for generalize_date

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"strategy": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _options_fit_the_strategy(self) -> Masking:
        if self.value is not None and self.strategy != "redact":
            raise ValueError("value: is the replacement text of the redact strategy only")
        if self.precision is not None and self.strategy != "generalize_date":
            raise ValueError("precision: belongs to the generalize_date strategy only")
        return self


class RetentionRule(Frozen):
    """Delete rows, or anonymise fields, once the period from the anchor has passed."""

    action: Literal["delete", "anonymize"]
    after: Duration
    from_: Anchor = Field(alias="from")
    fields: Annotated[tuple[str, ...], BeforeValidator(_one_or_many)] = ()
    masking: Masking | None = None  # for anonymize: how (default: the field's erasure)
    description: LocalizedText | None = None

    @model_validator(mode="after")
    def _fields_for_anonymize(self) -> RetentionRule:
        if self.action == "delete" and (self.fields or self.masking):
            raise ValueError(
                "a delete rule removes rows; fields: and masking: belong to anonymize rules"
            )
        return self


class LegalHold(Frozen):
    """A law that forbids erasing some fields for a time (Art. 17(3)(b) and (e)).

    ``law`` may name an entry of the law catalog (``no.bokforingsloven``), which supplies the
    section, period and anchor; anything given here overrides it.
    """

    law: ShortText
    catalog: Key | None = None  # the law catalog entry the hold was taken from
    section: ShortText | None = None
    after: Duration | None = None
    from_: Anchor | None = Field(None, alias="from")
    keep: Annotated[tuple[str, ...], BeforeValidator(_one_or_many)] = ()
    reason: LocalizedText | None = None
    exception: Literal["b", "e"] = "b"  # Art. 17(3)(b) legal obligation, (e) legal claims


class DataField(Frozen):
    categories: Annotated[tuple[Key, ...], BeforeValidator(_one_or_many)] = ()
    identity: IdentityKind | None = None
    references: FieldPath | None = None  # collection.field this column points at
    erasure: Masking | None = None
    type: FieldType | None = None
    origin: Literal["provided", "observed", "derived", "third_party"] | None = None
    retention: Annotated[tuple[RetentionRule, ...], BeforeValidator(_one_or_many)] = ()
    description: LocalizedText | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _field_rules_anonymize(self) -> DataField:
        for rule in self.retention:
            if rule.action != "anonymize" or rule.fields:
                raise ValueError(
                    "a field's retention rules anonymize that field (action: anonymize, "
                    "no fields:); delete rows with a rule on the collection"
                )
        return self

    @property
    def personal(self) -> bool:
        return bool(self.categories) and any(not c.startswith("system") for c in self.categories)


class Collection(Frozen):
    """A table (or collection) of a datastore."""

    description: LocalizedText | None = None
    primary_key: Annotated[tuple[str, ...], BeforeValidator(_one_or_many)] = ("id",)
    erasure: Masking | None = None  # default for personal fields without their own
    fields: Mapping[str, DataField] = Field(default_factory=dict)
    legal_holds: Annotated[tuple[LegalHold, ...], BeforeValidator(_one_or_many)] = ()
    retention: Annotated[tuple[RetentionRule, ...], BeforeValidator(_one_or_many)] = ()

    @property
    def identity_fields(self) -> dict[str, IdentityKind]:
        return {name: f.identity for name, f in self.fields.items() if f.identity}

    @property
    def personal(self) -> bool:
        return any(f.personal for f in self.fields.values())

    def masking_for(self, field_name: str) -> Masking | None:
        declared = self.fields[field_name].erasure
        return declared or self.erasure


class Datastore(Frozen):
    url: SecretStr | None = None  # from the environment: ${SHOP_DATABASE_URL}
    description: LocalizedText | None = None
    activity: Annotated[tuple[FieldPath, ...], BeforeValidator(_one_or_many)] = ()
    collections: Mapping[str, Collection] = Field(default_factory=dict)

    def field_at(self, path: str) -> tuple[str, str] | None:
        """Split ``collection.field`` and check both exist."""
        collection, _, name = path.partition(".")
        found = self.collections.get(collection)
        return (collection, name) if found and name in found.fields else None


# --- the manifest ---------------------------------------------------------------------


class LintSettings(Frozen):
    """Rules the shop has decided not to follow, each with the reason (kept for audits)."""

    ignore: Mapping[Annotated[str, StringConstraints(pattern=r"^PV\d{3}$")], ShortText] = Field(
        default_factory=dict
    )


class Manifest(Frozen):
    version: Literal[1] = 1
    organization: Organization
    data_categories: Mapping[Key, CustomCategory] = Field(default_factory=dict)
    data_subjects: Mapping[Key, CustomSubject] = Field(default_factory=dict)
    consent_categories: Mapping[Key, ConsentCategory] = Field(default_factory=dict)
    purposes: Mapping[Key, Purpose] = Field(default_factory=dict)
    recipients: Mapping[Key, Recipient] = Field(default_factory=dict)
    cookies: tuple[Cookie, ...] = ()
    datastores: Mapping[Key, Datastore] = Field(default_factory=dict)
    lint: LintSettings = LintSettings()

    def collections(self) -> Iterator[tuple[str, str, Collection]]:
        """Every (datastore, collection name, collection)."""
        for store_name, store in self.datastores.items():
            for name, collection in store.collections.items():
                yield store_name, name, collection

    def fields(self) -> Iterator[tuple[str, str, str, DataField]]:
        """Every (datastore, collection, field name, field)."""
        for store_name, name, collection in self.collections():
            for field_name, data_field in collection.fields.items():
                yield store_name, name, field_name, data_field
