"""Who a request is about: the identifiers a data subject gives, checked and normalised.

Input arrives from a web form or a command line and may be hostile. Each value is
bounded before any parsing, and no error message repeats the value: identifiers are
personal data and error messages end up in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from personvern.store.models import CUSTOMER_NUMBER_MAX, EMAIL_MAX

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_CUSTOMER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_PHONE_INPUT_MAX = 40  # room for spaces and punctuation around at most 15 digits


class InvalidIdentityError(ValueError):
    """An identifier the subject gave is not usable. The message never contains the value."""


@dataclass(frozen=True)
class SubjectIdentity:
    """The identifiers a request was made with, normalised; at least one is present."""

    email: str | None = None
    phone: str | None = None
    customer_number: str | None = None

    def present(self) -> dict[str, str]:
        """The identifiers given, by kind (``email``, ``phone``, ``customer_number``)."""
        values = {"email": self.email, "phone": self.phone,
                  "customer_number": self.customer_number}
        return {kind: value for kind, value in values.items() if value}


def normalise_email(value: str) -> str:
    """Trimmed and lower-cased (LEGAL.md conventions), at most 254 characters (RFC 5321)."""
    if len(value) > EMAIL_MAX + 64:  # bound the work before stripping a huge value
        raise InvalidIdentityError(f"the e-mail address is longer than {EMAIL_MAX} characters")
    email = value.strip().lower()
    if len(email) > EMAIL_MAX:
        raise InvalidIdentityError(f"the e-mail address is longer than {EMAIL_MAX} characters")
    if not _EMAIL.match(email):
        raise InvalidIdentityError("the e-mail address is not valid")
    return email


def normalise_phone(value: str, country: str) -> str:
    """E.164 (``+4791234567``); a number without ``+`` is read as one of ``country``."""
    if len(value) > _PHONE_INPUT_MAX:
        raise InvalidIdentityError("the phone number is too long")
    import phonenumbers  # its metadata is large: load it only when a phone is given

    try:
        number = phonenumbers.parse(value, country.upper())
    except phonenumbers.NumberParseException:
        raise InvalidIdentityError("the phone number is not valid") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentityError("the phone number is not valid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_customer_number(value: str) -> str:
    number = value.strip()
    if len(number) > CUSTOMER_NUMBER_MAX:
        raise InvalidIdentityError(
            f"the customer number is longer than {CUSTOMER_NUMBER_MAX} characters"
        )
    if not _CUSTOMER_NUMBER.match(number):
        raise InvalidIdentityError(
            "the customer number may hold only letters, digits and . _ / -"
        )
    return number


def normalise_language(value: str) -> str:
    language = value.strip().lower()
    if not _LANGUAGE.match(language):
        raise InvalidIdentityError("the language must be an ISO 639 code such as nb, sv or en")
    return language


def subject_identity(
    *, email: str | None = None, phone: str | None = None,
    customer_number: str | None = None, country: str,
) -> SubjectIdentity:
    """Check and normalise what the subject gave; at least one identifier is needed."""
    identity = SubjectIdentity(
        email=normalise_email(email) if email else None,
        phone=normalise_phone(phone, country) if phone else None,
        customer_number=normalise_customer_number(customer_number) if customer_number else None,
    )
    if not identity.present():
        raise InvalidIdentityError(
            "give at least one identifier: an e-mail address, a phone number or a "
            "customer number"
        )
    return identity
