"""Pools of realistic values per market, drawn once from Faker and reused for every row.

Faker takes microseconds per value; a million customers need tens of millions of values.
So each market's names, streets and places are drawn once (a few thousand of each, from a
seeded Faker, so the same seed gives the same pools) and rows pick from them with a
``random.Random``. Everything else (phone numbers, e-mail addresses, tokens) is built
directly from random numbers, which is both faster and under our control: no value may
look like a card number, for example.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from faker import Faker

POOL_SIZE = 2000


@dataclass(frozen=True)
class Market:
    """One country the shop sells to, with what differs there."""

    country: str  # ISO 3166-1 alpha-2
    faker_locale: str
    language: str  # the customers' usual language (ISO 639-1)
    currency: str
    price_factor: float  # the shop's list price in NOK, converted roughly
    email_domains: tuple[str, ...]
    carriers: tuple[str, ...]
    payments: tuple[str, ...]
    payment_weights: tuple[int, ...]
    bureau: str  # the credit bureau used for invoice checks there


# Faker calls Norwegian Bokmål ``no_NO`` (there is no ``nb_NO`` provider).
MARKETS: tuple[Market, ...] = (
    Market("NO", "no_NO", "nb", "NOK", 1.0,
           ("gmail.com", "hotmail.com", "online.no", "outlook.com", "live.no", "yahoo.no",
            "icloud.com", "getmail.no"),
           ("bring", "postnord", "helthjem", "budbee", "instabox"),
           ("klarna", "vipps", "card", "paypal"), (35, 35, 22, 8), "experian"),
    Market("SE", "sv_SE", "sv", "SEK", 1.0,
           ("gmail.com", "hotmail.com", "telia.com", "outlook.com", "live.se", "yahoo.se",
            "icloud.com", "bredband.net"),
           ("postnord", "budbee", "instabox", "bring"),
           ("klarna", "card", "paypal"), (55, 33, 12), "uc"),
    Market("DK", "da_DK", "da", "DKK", 0.65,
           ("gmail.com", "hotmail.com", "outlook.dk", "mail.dk", "jubii.dk", "yahoo.dk",
            "icloud.com", "live.dk"),
           ("postnord", "bring", "budbee", "instabox"),
           ("vipps", "card", "klarna", "paypal"), (45, 35, 12, 8), "experian"),
)
MARKET_WEIGHTS = (70, 20, 10)  # a Norwegian shop: most customers are in Norway


@dataclass(frozen=True)
class People:
    """Names and places of one market."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    places: tuple[tuple[str, str], ...]  # (postal code, city)


@cache
def people(market: Market, seed: int) -> People:
    fake = Faker(market.faker_locale)
    fake.seed_instance(seed)
    return People(
        first_names=tuple(fake.first_name() for _ in range(POOL_SIZE)),
        last_names=tuple(fake.last_name() for _ in range(POOL_SIZE)),
        streets=tuple(fake.street_address() for _ in range(POOL_SIZE)),
        places=tuple((fake.postcode(), fake.city()) for _ in range(POOL_SIZE)),
    )


# Letters that e-mail providers do not take in the local part, as people write them instead.
ASCII_FOLD = str.maketrans({
    "æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u",
    "á": "a", "ó": "o", " ": "", "'": "", "-": "",
})

PET_NAMES = (
    "Bella", "Luna", "Max", "Bamse", "Molly", "Leo", "Tassen", "Nala", "Milo", "Charlie",
    "Simba", "Lucky", "Tiger", "Pusur", "Frida", "Rocky", "Birk", "Ronja", "Trofast", "Kira",
    "Sixten", "Loke", "Saga", "Tyson", "Mira", "Oscar", "Emil", "Pelle", "Tara", "Zorro",
    "Fia", "Buster", "Nemo", "Kasper", "Lady", "Bonzo", "Pippi", "Mons", "Findus", "Snøfrid",
)
SPECIES = ("dog", "cat", "rabbit", "guinea_pig", "bird", "fish", "horse")
SPECIES_WEIGHTS = (50, 33, 6, 4, 3, 2, 2)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/127.0.0.0 Mobile Safari/537.36",
)
PATHS = (
    "/", "/hund", "/hund/for", "/hund/leker", "/katt", "/katt/kattesand", "/smadyr",
    "/fugl", "/akvarium", "/kampanjer", "/handlekurv", "/kasse", "/min-side",
    "/min-side/ordre", "/min-side/zoopoeng", "/logg-inn", "/kundeservice", "/personvern",
)
REFERRERS = (
    None, None, None, "https://www.google.com/", "https://www.google.no/",
    "https://www.facebook.com/", "https://duckduckgo.com/", "https://www.bing.com/",
    "https://www.instagram.com/", "https://fjordhund.example/",
)
# First octets of address blocks that Nordic access providers announce; plausible, not real.
IPV4_FIRST_OCTETS = (77, 78, 79, 80, 81, 84, 85, 88, 89, 90, 92, 94, 95, 109, 146, 158,
                     178, 185, 188, 193, 194, 195, 212, 213, 217)

BRANDS = ("Royal Canin", "Hill's", "Purina Pro Plan", "Acana", "Orijen", "Taste of the Wild",
          "Felix", "Whiskas", "Kong", "Trixie", "Hurtta", "Non-stop dogwear", "Rogz",
          "Catit", "Vitakraft", "JBL", "Tetra", "Fjordhund", "Arion", "Brit Care")
PRODUCT_KINDS = (
    ("dog", "Tørrfôr voksen hund", 39900), ("dog", "Valpefôr", 44900),
    ("dog", "Tyggeben", 4900), ("dog", "Hundeleke tau", 12900), ("dog", "Hundebånd", 24900),
    ("dog", "Hundeseng", 79900), ("dog", "Sele", 59900), ("dog", "Godbiter", 3900),
    ("cat", "Tørrfôr katt", 34900), ("cat", "Våtfôr katt 12x85g", 11900),
    ("cat", "Kattesand", 14900), ("cat", "Klorestativ", 99900), ("cat", "Katteleke", 5900),
    ("small_animals", "Høy", 8900), ("small_animals", "Bur", 149900),
    ("birds", "Frøblanding", 6900), ("aquarium", "Akvariefilter", 69900),
    ("aquarium", "Fiskefôr", 7900), ("horse", "Hestegodbit", 9900),
    ("horse", "Mineraltilskudd", 29900),
)
SIZES = ("", " 1 kg", " 2 kg", " 3 kg", " 7 kg", " 12 kg", " S", " M", " L", " XL")

WISHLIST_NAMES = {
    "nb": ("Ønskeliste", "Bursdag", "Til jul", "Til valpen"),
    "sv": ("Önskelista", "Födelsedag", "Till jul", "Till valpen"),
    "da": ("Ønskeliste", "Fødselsdag", "Til jul", "Til hvalpen"),
    "en": ("Wishlist", "Birthday", "Christmas", "For the puppy"),
}

REVIEWS = {
    "nb": ("{pet} elsker dette, kjøper igjen!", "Grei kvalitet for prisen.",
           "Kom raskt, men emballasjen var skadet.", "Hunden min ville ikke spise det.",
           "Perfekt størrelse. Anbefales!", "Gikk i stykker etter en uke."),
    "sv": ("{pet} älskar det, köper igen!", "Bra kvalitet för priset.",
           "Kom snabbt men förpackningen var trasig.", "Katten ville inte äta det.",
           "Perfekt storlek. Rekommenderas!", "Gick sönder efter en vecka."),
    "da": ("{pet} elsker det, køber igen!", "God kvalitet til prisen.",
           "Kom hurtigt, men emballagen var beskadiget.", "Hunden ville ikke spise det.",
           "Perfekt størrelse. Kan anbefales!", "Gik i stykker efter en uge."),
    "en": ("{pet} loves it, will buy again!", "Decent quality for the price.",
           "Arrived fast but the box was damaged.", "My dog would not eat it.",
           "Perfect size. Recommended!", "Broke after a week."),
}

# Support chats mention names, phone numbers and e-mail addresses in free text: exactly
# what an access request must find and an erasure must not miss.
CHATS = {
    "nb": (
        "Kunde: Hei, jeg heter {name}. Hvor er pakken min? Ordre {order}.\n"
        "Agent: Hei {first}! Den er hos {carrier} og kommer i morgen.\n"
        "Kunde: Takk. Ring meg gjerne på {phone} om det blir forsinket.\n"
        "Agent: Det skal vi gjøre. Ha en fin dag!",
        "Kunde: Jeg vil endre e-postadressen min fra {email} til en ny.\n"
        "Agent: Det kan du gjøre under Min side. Gjelder det kontoen til {name}?\n"
        "Kunde: Ja. Mobilen min er {phone}.",
        "Kunde: Fôret til {pet} var feil, vil returnere ordre {order}.\n"
        "Agent: Beklager, {first}. Jeg sender returlapp til {email}.",
    ),
    "sv": (
        "Kund: Hej, jag heter {name}. Var är mitt paket? Order {order}.\n"
        "Agent: Hej {first}! Det är hos {carrier} och kommer i morgon.\n"
        "Kund: Tack. Ring mig på {phone} om det blir försenat.",
        "Kund: Jag vill byta e-post från {email}.\n"
        "Agent: Det gör du under Mina sidor. Gäller det kontot för {name}?\n"
        "Kund: Ja. Mitt nummer är {phone}.",
        "Kund: Fodret till {pet} var fel, jag vill returnera order {order}.\n"
        "Agent: Förlåt, {first}. Jag skickar en returetikett till {email}.",
    ),
    "da": (
        "Kunde: Hej, jeg hedder {name}. Hvor er min pakke? Ordre {order}.\n"
        "Agent: Hej {first}! Den er hos {carrier} og kommer i morgen.\n"
        "Kunde: Tak. Ring til mig på {phone}, hvis den bliver forsinket.",
        "Kunde: Jeg vil skifte e-mail fra {email}.\n"
        "Agent: Det gør du under Min side. Gælder det kontoen for {name}?\n"
        "Kunde: Ja. Mit nummer er {phone}.",
        "Kunde: Foderet til {pet} var forkert, jeg vil returnere ordre {order}.\n"
        "Agent: Undskyld, {first}. Jeg sender en returlabel til {email}.",
    ),
    "en": (
        "Customer: Hi, my name is {name}. Where is my parcel? Order {order}.\n"
        "Agent: Hi {first}! It is with {carrier} and arrives tomorrow.\n"
        "Customer: Thanks. Call me on {phone} if it is late.",
        "Customer: I want to change my e-mail from {email}.\n"
        "Agent: You can do that under My account. Is this the account of {name}?\n"
        "Customer: Yes. My number is {phone}.",
        "Customer: The food for {pet} was wrong, I want to return order {order}.\n"
        "Agent: Sorry, {first}. I will send a return label to {email}.",
    ),
}
