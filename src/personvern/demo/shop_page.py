"""A page of the fictional shop "Fjordhund" at ``/``, with the consent banner in place.

Demo only: it shows what a shop puts in its own pages to use personvern's banner (the
script from ``/banner.js``, a marketing script held back as ``type="text/plain"``, an
embed that loads only on click) and where its customers find the privacy notice and the
portal. ``mount`` adds it to an app that ``create_app`` built; the general app knows
nothing of it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from personvern.web.i18n import LANGUAGE_COOKIE, page_language

HERE = Path(__file__).parent
STATIC_PREFIX = "/demo-static"
LANGUAGES = (("nb", "Norsk"), ("sv", "Svenska"), ("en", "English"))
# The shop's address on OpenStreetMap: a third party, so its frame waits for consent.
MAP_URL = ("https://www.openstreetmap.org/export/embed.html?"
           "bbox=5.3180%2C60.3950%2C5.3300%2C60.4000&layer=mapnik&marker=60.3975%2C5.3240")
# A shop's page is not one of personvern's: the banner adds its own <style> element,
# and the map comes from OpenStreetMap once allowed. Scripts still only from here.
SHOP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-src https://www.openstreetmap.org; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "tagline": "Alt til hunden, fra Bergen",
        "intro": "Fôr, seler og leker til hunder i alle størrelser. Fri frakt over 599 kr.",
        "skip": "Gå til innholdet", "languages": "Språk",
        "demo_note": "Dette er en demoside for en oppdiktet butikk. Samtykkebanneret, "
                     "personvernerklæringen og personvernportalen er ekte personvern.",
        "map_heading": "Besøk butikken på Bryggen", "map_title": "Kart over butikken",
        "marketing_heading": "Markedsføring",
        "marketing_waiting": "Markedsføringsskriptet venter på samtykke til markedsføring.",
        "marketing_ran": "Markedsføringsskriptet har kjørt: du har godtatt markedsføring.",
        "privacy": "Personvernerklæring", "portal": "Dine personvernrettigheter",
        "cookies": "Informasjonskapsler", "fictional": "en oppdiktet butikk",
    },
    "sv": {
        "tagline": "Allt för hunden, från Bergen",
        "intro": "Foder, selar och leksaker för hundar i alla storlekar. Fri frakt över 599 kr.",
        "skip": "Hoppa till innehållet", "languages": "Språk",
        "demo_note": "Det här är en demosida för en påhittad butik. Samtyckesbannern, "
                     "integritetspolicyn och integritetsportalen är äkta personvern.",
        "map_heading": "Besök butiken på Bryggen", "map_title": "Karta över butiken",
        "marketing_heading": "Marknadsföring",
        "marketing_waiting": "Marknadsföringsskriptet väntar på samtycke till marknadsföring.",
        "marketing_ran": "Marknadsföringsskriptet har körts: du har godkänt marknadsföring.",
        "privacy": "Integritetspolicy", "portal": "Dina integritetsrättigheter",
        "cookies": "Kakor", "fictional": "en påhittad butik",
    },
    "en": {
        "tagline": "Everything for your dog, from Bergen",
        "intro": "Food, harnesses and toys for dogs of every size. Free delivery over NOK 599.",
        "skip": "Skip to content", "languages": "Language",
        "demo_note": "This is a demo page of a fictional shop. The consent banner, the "
                     "privacy notice and the privacy portal are real personvern.",
        "map_heading": "Visit the shop at Bryggen", "map_title": "Map of the shop",
        "marketing_heading": "Marketing",
        "marketing_waiting": "The marketing script is waiting for consent to marketing.",
        "marketing_ran": "The marketing script has run: you accepted marketing.",
        "privacy": "Privacy notice", "portal": "Your privacy rights",
        "cookies": "Cookies", "fictional": "a fictional shop",
    },
}
PRODUCTS = (("Turmat laks & ris 12 kg", "849 kr"), ("Refleksvest Nordlys", "299 kr"),
            ("Sele Fjellvant, str. M", "449 kr"), ("Tyggeleke Elg", "129 kr"))


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"),
                       autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def shop_page(request: Request,
              lang: Annotated[str | None, Query(max_length=8)] = None,
              accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
              ) -> HTMLResponse:
    language = page_language(tuple(TEXTS), chosen=lang,
                             cookie=request.cookies.get(LANGUAGE_COOKIE), accept=accept_language)
    body = _environment().get_template("shop.html").render(
        lang=language, t=TEXTS[language], languages=LANGUAGES, products=PRODUCTS,
        map_url=MAP_URL)
    return HTMLResponse(body, headers={"Content-Security-Policy": SHOP_CSP,
                                       "Content-Language": language,
                                       "Vary": "Accept-Language, Cookie"})


def mount(app: FastAPI) -> None:
    """Serve the shop's page at ``/`` and its script and stylesheet under /demo-static."""
    app.get("/", response_class=HTMLResponse, include_in_schema=False)(shop_page)
    app.mount(STATIC_PREFIX, StaticFiles(directory=HERE / "static"), name="demo-static")
