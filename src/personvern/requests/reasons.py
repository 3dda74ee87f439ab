"""Reasons the privacy team gives the subject, in the subject's language (not the page's).

Art. 12(4): a controller that does not act on a request tells the subject, within a month,
why, and that they may complain to the supervisory authority and go to court (that
sentence is added by :func:`personvern.requests.lifecycle.reject`). The templates below
are the grounds the GDPR itself gives for not acting; the officer picks one and may add
their own words. Art. 12(3): an extension is told with its reasons, too.
"""

from __future__ import annotations

from collections.abc import Mapping

# ground → language → the sentence the subject reads.
REJECTION_REASONS: Mapping[str, Mapping[str, str]] = {
    # Art. 11(2), 12(2), 12(6): the person could not be identified.
    "identity": {
        "en": "We could not confirm that you are the person the data is about, so we "
              "cannot act on the request (Art. 11(2) and 12(6) GDPR).",
        "nb": "Vi kunne ikke bekrefte at du er den personen opplysningene gjelder, og kan "
              "derfor ikke behandle forespørselen (GDPR art. 11 nr. 2 og art. 12 nr. 6).",
        "sv": "Vi kunde inte bekräfta att du är den person som uppgifterna gäller och kan "
              "därför inte hantera begäran (artiklarna 11.2 och 12.6 i GDPR).",
    },
    # Art. 12(5)(b): manifestly unfounded or excessive, in particular repetitive.
    "excessive": {
        "en": "The request is manifestly unfounded or excessive, in particular because it "
              "repeats a request we have recently answered (Art. 12(5)(b) GDPR).",
        "nb": "Forespørselen er åpenbart grunnløs eller urimelig, særlig fordi den gjentar "
              "en forespørsel vi nylig har besvart (GDPR art. 12 nr. 5 bokstav b).",
        "sv": "Begäran är uppenbart ogrundad eller orimlig, särskilt eftersom den upprepar "
              "en begäran som vi nyligen har besvarat (artikel 12.5 b i GDPR).",
    },
    # Art. 15(4): a copy must not adversely affect the rights and freedoms of others.
    "others": {
        "en": "Giving the data would adversely affect the rights and freedoms of other "
              "people (Art. 15(4) GDPR).",
        "nb": "Å utlevere opplysningene ville krenke andres rettigheter og friheter "
              "(GDPR art. 15 nr. 4).",
        "sv": "Att lämna ut uppgifterna skulle inkräkta på andra personers rättigheter och "
              "friheter (artikel 15.4 i GDPR).",
    },
    # Art. 17(3)(b): a legal obligation requires keeping the data (bookkeeping laws).
    "legal_obligation": {
        "en": "We must keep the data to comply with a legal obligation, such as the "
              "bookkeeping rules (Art. 17(3)(b) GDPR).",
        "nb": "Vi må beholde opplysningene for å oppfylle en rettslig forpliktelse, for "
              "eksempel bokføringsreglene (GDPR art. 17 nr. 3 bokstav b).",
        "sv": "Vi måste behålla uppgifterna för att fullgöra en rättslig förpliktelse, till "
              "exempel bokföringsreglerna (artikel 17.3 b i GDPR).",
    },
    # Art. 17(3)(e): the data is needed for legal claims.
    "legal_claims": {
        "en": "We need the data to establish, exercise or defend legal claims "
              "(Art. 17(3)(e) GDPR).",
        "nb": "Vi trenger opplysningene for å kunne fastsette, gjøre gjeldende eller forsvare "
              "rettskrav (GDPR art. 17 nr. 3 bokstav e).",
        "sv": "Vi behöver uppgifterna för att kunna fastställa, göra gällande eller försvara "
              "rättsliga anspråk (artikel 17.3 e i GDPR).",
    },
}
OWN_WORDS = "own"  # no template: the officer's words alone

# Art. 12(3): "taking into account the complexity and number of the requests".
EXTENSION_REASON: Mapping[str, str] = {
    "en": "Because of the complexity and number of requests, we need more time to answer, "
          "as Art. 12(3) GDPR allows. You will have our answer by the new date.",
    "nb": "På grunn av hvor sammensatt forespørselen er og hvor mange forespørsler vi har, "
          "trenger vi mer tid, slik GDPR art. 12 nr. 3 tillater. Du får svar innen den nye "
          "fristen.",
    "sv": "På grund av hur komplex begäran är och hur många begäranden vi har behöver vi "
          "mer tid, vilket artikel 12.3 i GDPR tillåter. Du får vårt svar senast det nya "
          "datumet.",
}
# Nynorsk and "no" read bokmål; Danish readers understand it better than English.
_FALLBACK = {"nn": "nb", "no": "nb", "da": "nb"}


def subject_language(language: str) -> str:
    code = _FALLBACK.get(language, language)
    return code if code in EXTENSION_REASON else "en"


def rejection_text(ground: str, language: str, own_words: str) -> str:
    """The reason the subject is told: the ground's sentence in their language, followed by
    the officer's words; :class:`ValueError` for an unknown ground or nothing to say."""
    words = own_words.strip()
    if ground == OWN_WORDS:
        if not words:
            raise ValueError("write the reason in your own words, or choose a ground")
        return words
    if ground not in REJECTION_REASONS:
        raise ValueError("choose one of the grounds")
    sentence = REJECTION_REASONS[ground][subject_language(language)]
    return f"{sentence} {words}" if words else sentence


def extension_text(language: str) -> str:
    return EXTENSION_REASON[subject_language(language)]
