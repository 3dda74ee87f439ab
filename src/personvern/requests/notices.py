"""Texts a request's answer must carry.

Art. 12(4) GDPR: when a controller does not act on a request, it tells the subject why and
of "the possibility of lodging a complaint with a supervisory authority and seeking a
judicial remedy" (Art. 77 and 79).
"""

from __future__ import annotations

from personvern.manifest.model import SupervisoryAuthority

_COMPLAINT = {
    "en": "You have the right to lodge a complaint with the supervisory authority, {authority}"
          " (Art. 77 GDPR), and to seek a judicial remedy before the courts (Art. 79 GDPR).",
    "nb": "Du har rett til å klage til tilsynsmyndigheten, {authority} (GDPR art. 77), og til"
          " å bringe saken inn for domstolene (GDPR art. 79).",
    "sv": "Du har rätt att lämna in klagomål till tillsynsmyndigheten, {authority}"
          " (artikel 77 i GDPR), och att föra talan i domstol (artikel 79 i GDPR).",
    "da": "Du har ret til at klage til tilsynsmyndigheden, {authority} (artikel 77 i GDPR),"
          " og til at indbringe sagen for domstolene (artikel 79 i GDPR).",
}
# Nynorsk readers understand bokmål better than English.
_FALLBACK = {"nn": "nb", "no": "nb"}


def _authority(authority: SupervisoryAuthority) -> str:
    contact = ", ".join(part for part in (authority.email, authority.url) if part)
    return f"{authority.name} ({contact})" if contact else authority.name


def complaint_notice(authority: SupervisoryAuthority, language: str) -> str:
    """The right-to-complain sentence of Art. 12(4), naming the authority, in ``language``."""
    template = _COMPLAINT.get(_FALLBACK.get(language, language), _COMPLAINT["en"])
    return template.format(authority=_authority(authority))
