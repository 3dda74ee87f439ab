"""Column names that look personal, in Norwegian, Swedish, Danish and English.

Names are cut into tokens on ``_``, ``-``, camelCase and digits, and whole tokens are
compared, so ``shipping`` is not taken for ``ip`` nor ``flat_rate`` for ``lat``. Nordic
languages glue words together (``leveringsadresse``, ``epostadresse``), so a few heads and
prefixes that only ever mean personal data are also matched inside a token.
"""

from __future__ import annotations

import re
from itertools import pairwise

_FOLD = str.maketrans({"ø": "o", "ö": "o", "å": "a", "ä": "a", "æ": "ae", "é": "e", "ü": "u"})


def fold(text: str) -> str:
    """Lower case without Nordic letters, so ``Fødselsdato`` and ``fodselsdato`` meet."""
    return text.lower().translate(_FOLD)


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(word) for word in words.split())


PERSONAL_WORDS = _folded("""
    email mail epost emailaddress
    phone telefon telephone mobil mobile tlf tel cellphone msisdn telefonnummer mobilnummer
    telefonnr mobilnr tlfnr
    navn namn name fornavn etternavn mellomnavn förnamn efternamn fornamn efternavn
    firstname lastname fullname surname givenname username brukernavn användarnamn
    adresse adress address gate gata street postnummer postnr zip zipcode postcode postal
    poststed postort city
    personnummer fødselsnummer fodselsnummer personnr cpr ssn fnr nin
    fødselsdato fodselsdato födelsedatum födelsedag birth birthday birthdate dob
    ip ipaddress
    kundenummer kundenr customernumber
    kontonummer kontonr iban
    useragent
    lat lng lon latitude longitude geo geolocation gps
""")

# Two tokens that are personal together but not alone (``national_id``, ``user_agent``).
PERSONAL_PHRASES = frozenset({
    ("e", "mail"), ("e", "post"), ("national", "id"), ("user", "agent"),
    ("customer", "number"), ("customer", "no"), ("account", "number"),
    ("post", "code"),
})

# Heads and prefixes of Nordic compounds that are personal whatever they are glued to.
PERSONAL_HEADS = _folded("adresse adress address epost email")
PERSONAL_PREFIXES = _folded("epost email telefon fødsels födelse personnummer")

_BOUNDARY = re.compile(
    r"(?<=[a-zà-ÿ0-9])(?=[A-ZÀ-Þ])"  # camelCase → camel Case
    r"|(?<=[A-ZÀ-Þ])(?=[A-ZÀ-Þ][a-zà-ÿ])"  # HTTPHeader → HTTP Header
    r"|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])"  # address2 → address 2
)


def tokens(column: str) -> list[str]:
    """``customerEmail_2`` → ``["customer", "email", "2"]`` (folded)."""
    spaced = _BOUNDARY.sub(" ", column)
    return [fold(token) for token in re.split(r"[\W_]+", spaced) if token]


def looks_personal(column: str) -> bool:
    words = [token for token in tokens(column) if not token.isdigit()]
    if any(_personal_word(word) for word in words):
        return True
    return any(pair in PERSONAL_PHRASES for pair in pairwise(words))


def _personal_word(word: str) -> bool:
    if word in PERSONAL_WORDS:
        return True
    if any(word.endswith(head) for head in PERSONAL_HEADS):
        return True
    return any(word.startswith(prefix) for prefix in PERSONAL_PREFIXES)
