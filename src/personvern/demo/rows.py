"""The demo shop's rows: customers, their orders and everything around them, deterministically.

Rows are built in fixed blocks of :data:`BLOCK` customers, each block with its own
random stream (:class:`DemoRandom`) seeded from (seed, block number). The same seed
therefore gives the same rows whatever the chunk size of the load, and a block never
depends on the blocks after it.
Keys are given explicitly, counted in the order the rows are made.

Values are plain ``str``/``int``/``None``: timestamps as ``YYYY-MM-DD HH:MM:SS`` (UTC),
money as a decimal string. Each database driver takes those as they are, so the fastest
bulk path of each (COPY, ``executemany``) needs no conversion.
"""

from __future__ import annotations

import base64
import random
import re
from bisect import bisect
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any, TypeVar

from personvern.demo import pools, schema
from personvern.demo.pools import MARKET_WEIGHTS, MARKETS, Market, People

BLOCK = 1000
"""Customers per random stream: the unit of determinism."""

HISTORY_YEARS = 5
DAY = 86_400
EPOCH = date(1970, 1, 1)
PRODUCTS = 1500

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")
Row = tuple[Any, ...]
Chunk = dict[str, list[Row]]


def empty_chunk() -> Chunk:
    return {name: [] for name in schema.metadata.tables}


# --- randomness ------------------------------------------------------------------------

_CUMULATIVE: dict[tuple[int, ...], tuple[int, ...]] = {}


class DemoRandom(random.Random):
    """``random.Random`` with cheaper draws, for tens of millions of them.

    The standard methods draw integers by rejection sampling in Python; scaling one float
    is several times faster. Its bias is about n / 2**53 for a range of n values (2**-25 for
    the largest here, five years in seconds): no matter for demo data, where being fast and
    reproducible does.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if step != 1:
            return super().randrange(start, stop, step)
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def weighted(self, population: Sequence[T], weights: tuple[int, ...]) -> T:
        """One element, drawn with the given weights (``choices(...)[0]``, faster)."""
        cumulative = _CUMULATIVE.get(weights)
        if cumulative is None:
            cumulative = _CUMULATIVE[weights] = tuple(accumulate(weights))
        return population[bisect(cumulative, self.random() * cumulative[-1])]


# --- small value builders ------------------------------------------------------------


class Clock:
    """Seconds since 1970 (UTC) → the text every backend reads as a timestamp or date."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def day(self, days: int) -> str:
        text = self._days.get(days)
        if text is None:
            text = self._days[days] = (EPOCH + timedelta(days=days)).isoformat()
        return text

    def stamp(self, seconds: int) -> str:
        days, rest = divmod(seconds, DAY)
        return f"{self.day(days)} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def money(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def token(rng: DemoRandom, size: int) -> str:
    """URL-safe random text. Letters dominate its alphabet, so it never holds the long digit
    runs a card-number scanner (rightly) flags."""
    return base64.urlsafe_b64encode(rng.getrandbits(size * 8).to_bytes(size, "big")).decode(
        "ascii"
    ).rstrip("=")


def phone(rng: DemoRandom, country: str) -> str:
    """A mobile number, written the way people type it: with or without country code and
    spaces, dashes or nothing (``+47 912 34 567``, ``91234567``, ``0046 70-123 45 67``).

    No form runs 13 or more digits together, so none can pass for a card number.
    """
    style = rng.randrange(5)
    if country == "SE":
        d = f"7{rng.choice('02369')}{rng.randrange(10_000_000):07d}"  # 9 digits after 0
        return (
            f"0046 {d[:2]}-{d[2:5]} {d[5:7]} {d[7:]}",
            f"0{d[:2]}-{d[2:5]} {d[5:7]} {d[7:]}",
            f"+46 {d[:2]} {d[2:5]} {d[5:7]} {d[7:]}",
            f"+46{d}",
            f"0{d}",
        )[style]
    if country == "DK":
        d = f"{rng.choice('2345678')}{rng.randrange(10_000_000):07d}"
        return (
            f"+45 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
            d,
            f"+45{d}",
            f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
            f"0045 {d}",
        )[style]
    d = f"{rng.choice('49')}{rng.randrange(10_000_000):07d}"
    return (
        f"+47 {d[:3]} {d[3:5]} {d[5:]}",
        d,
        f"+47{d}",
        f"{d[:3]} {d[3:5]} {d[5:]}",
        f"0047 {d}",
    )[style]


_NOT_DIGITS = re.compile(r"\D")


def reformat_phone(rng: DemoRandom, number: str, country: str) -> str:
    """The same number in another of its written forms (a courier label, a guest form)."""
    digits = _NOT_DIGITS.sub("", number)
    national = digits[-9:] if country == "SE" else digits[-8:]
    if country == "SE":
        return rng.choice((f"0{national}", f"+46 {national}", f"0046 {national}"))
    code = "45" if country == "DK" else "47"
    return rng.choice((national, f"+{code} {national}", f"00{code}{national}"))


def email_local(first: str, last: str, number: int, style: int) -> str:
    f = first.lower().translate(pools.ASCII_FOLD)
    la = last.lower().translate(pools.ASCII_FOLD)
    # The number keeps addresses apart across a million customers, as real ones are.
    return (f"{f}.{la}{number}", f"{f[0]}{la}{number}", f"{f}{number}", f"{f}_{la}.{number}")[
        style
    ]


def case_variant(rng: DemoRandom, email: str) -> str:
    """How the same person typed their address another time: ``Kari.Nordmann@Gmail.com``.

    Never the identical string, so matching a person needs case-insensitive comparison.
    """
    local, _, domain = email.partition("@")
    variants = (
        email.upper(),
        f"{local.capitalize()}@{domain}",
        f"{'.'.join(p.capitalize() for p in local.split('.'))}@{domain.capitalize()}",
        f"{local}@{domain.upper()}",
    )
    return variants[rng.randrange(4)] if email != email.upper() else email.lower()


def ip_address(rng: DemoRandom) -> str:
    if rng.random() < 0.12:
        return f"2a01:79c:{rng.getrandbits(16):x}:{rng.getrandbits(16):x}::{rng.getrandbits(16):x}"
    return (f"{rng.choice(pools.IPV4_FIRST_OCTETS)}.{rng.randrange(256)}."
            f"{rng.randrange(256)}.{rng.randrange(1, 255)}")


def orders_per_customer(rng: DemoRandom) -> int:
    """Skewed like a real shop: a third never order, a few order dozens of times."""
    r = rng.random()
    if r < 0.35:
        return 0
    if r < 0.63:
        return 1
    if r < 0.80:
        return 2
    if r < 0.92:
        return rng.randint(3, 5)
    if r < 0.985:
        return rng.randint(6, 12)
    return rng.randint(13, 60)


# UPU S10-like numbers: letters around nine digits, never a long digit run.
TRACKING_FORMATS = {
    "bring": "CP{:09d}NO",
    "postnord": "UA{:09d}SE",
    "helthjem": "HH{:09d}NO",
    "budbee": "BB{:09d}SE",
    "instabox": "IB{:09d}SE",
}


# --- the shop ------------------------------------------------------------------------


class Counter:
    """The next primary key of each table."""

    def __init__(self) -> None:
        self._next = dict.fromkeys(schema.metadata.tables, 1)

    def __call__(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


class Person:
    """Who places an order: an account holder or a guest, as typed at checkout."""

    __slots__ = ("address", "email", "first", "last", "market", "name", "phone")

    def __init__(self, market: Market, first: str, last: str, email: str, phone_: str,
                 address: str) -> None:
        self.market = market
        self.first = first
        self.last = last
        self.name = f"{first} {last}"
        self.email = email
        self.phone = phone_
        self.address = address


class Shop:
    """Makes the rows; one instance per generation run, fed block after block."""

    def __init__(self, seed: int, reference: date) -> None:
        self.seed = seed
        self.clock = Clock()
        self.key = Counter()
        self.now = (reference - EPOCH).days * DAY  # midnight of the reference day (UTC)
        self.start = self.now - HISTORY_YEARS * 365 * DAY
        self.people: dict[str, People] = {m.country: pools.people(m, seed) for m in MARKETS}
        self.market_cumulative = list(accumulate(MARKET_WEIGHTS))
        product_rng = DemoRandom(f"fjordhund-products:{seed}")
        self.prices: list[int] = []
        self.product_rows = [self._product(product_rng) for _ in range(PRODUCTS)]
        self.products_written = False

    # -- catalogue ---------------------------------------------------------------------

    def _product(self, rng: DemoRandom) -> Row:
        product_id = self.key("products")
        category, kind, base = rng.choice(pools.PRODUCT_KINDS)
        brand = rng.choice(pools.BRANDS)
        price = max(1900, int(base * rng.uniform(0.6, 1.8)) // 100 * 100 - 100)
        self.prices.append(price)
        created = self.start - rng.randrange(365) * DAY
        return (product_id, f"FH{product_id:06d}", f"{brand} {kind}{rng.choice(pools.SIZES)}",
                category, brand, money(price), self.clock.stamp(created))

    def _pick_product(self, rng: DemoRandom) -> int:
        # Popularity is skewed: the square of a uniform number favours the first products.
        return int(PRODUCTS * rng.random() ** 2) + 1

    # -- blocks ------------------------------------------------------------------------

    def block(self, number: int, customers: int, out: Chunk) -> None:
        """Append the rows of ``customers`` customers (block ``number``) to ``out``."""
        if not self.products_written:
            out["products"].extend(self.product_rows)
            self.products_written = True
        # Not for secrets: reproducible demo data is the point.
        rng = DemoRandom(f"fjordhund:{self.seed}:{number}")
        for _ in range(customers):
            self._customer(rng, out)
            if rng.random() < 0.33:
                self._guest(rng, out)
            self._anonymous_traffic(rng, out)

    def _market(self, rng: DemoRandom) -> Market:
        r = rng.random() * self.market_cumulative[-1]
        for market, bound in zip(MARKETS, self.market_cumulative, strict=True):
            if r < bound:
                return market
        return MARKETS[0]

    def _address(self, rng: DemoRandom, market: Market) -> tuple[str, str, str]:
        people = self.people[market.country]
        postal_code, city = rng.choice(people.places)
        return rng.choice(people.streets), postal_code, city

    def _new_person(self, rng: DemoRandom, number: int) -> tuple[Person, tuple[str, str, str]]:
        market = self._market(rng)
        people = self.people[market.country]
        first, last = rng.choice(people.first_names), rng.choice(people.last_names)
        email = f"{email_local(first, last, number, rng.randrange(4))}@" + rng.choice(
            market.email_domains
        )
        street, postal_code, city = address = self._address(rng, market)
        text = f"{street}, {postal_code} {city}, {market.country}"
        return Person(market, first, last, email, phone(rng, market.country), text), address

    # -- account holders ---------------------------------------------------------------

    def _customer(self, rng: DemoRandom, out: Chunk) -> None:
        stamp = self.clock.stamp
        customer_id = self.key("customers")
        person, (street, postal_code, city) = self._new_person(rng, customer_id)
        market = person.market
        created = self.start + rng.randrange(self.now - self.start - DAY)
        # A quarter of customers drift away: their activity ends long before today, which
        # is what retention of inactive accounts is for.
        lifetime = self.now - created
        if rng.random() < 0.25:
            active_until = created + int(lifetime * rng.random() * 0.6)
        else:
            active_until = self.now - rng.randrange(min(lifetime, 60 * DAY) + 1)
        n_orders = orders_per_customer(rng)
        order_times = sorted(created + rng.randrange(max(active_until - created, 1))
                             for _ in range(n_orders))
        last_login = max(active_until - rng.randrange(3 * DAY), created, *order_times[-1:])
        closed = None
        if rng.random() < 0.03 and last_login + 30 * DAY < self.now:
            closed = stamp(last_login + rng.randrange(30 * DAY))
        birth = None
        if rng.random() < 0.8:
            birth = self.clock.day((created // DAY) - rng.randrange(18 * 365, 85 * 365))
        payment = rng.weighted(market.payments, market.payment_weights)
        carrier = rng.choice(market.carriers)
        language = market.language if rng.random() < 0.9 else "en"
        customer_email = person.email if rng.random() < 0.9 else case_variant(rng, person.email)
        out["customers"].append((
            customer_id, f"K{1_000_000 + customer_id}", customer_email, person.first,
            person.last, person.phone if rng.random() < 0.9 else None, birth,
            "$argon2id$v=19$m=65536,t=3,p=4$" + token(rng, 16) + "$" + token(rng, 32),
            language, payment if rng.random() < 0.7 else None,
            carrier if rng.random() < 0.6 else None, stamp(created), stamp(last_login), closed,
        ))
        out["addresses"].append((self.key("addresses"), customer_id, "billing", street,
                                 postal_code, city, market.country))
        delivery = person.address
        if rng.random() < 0.4:
            d_street, d_postal, d_city = self._address(rng, market)
            out["addresses"].append((self.key("addresses"), customer_id, "delivery", d_street,
                                     d_postal, d_city, market.country))
            delivery = f"{d_street}, {d_postal} {d_city}, {market.country}"

        if rng.random() < 0.15:
            self._guest_orders_before_account(rng, out, person, created)

        loyalty = rng.random() < 0.45
        account_id = self.key("loyalty_accounts") if loyalty else 0
        balance = 0
        if loyalty:
            balance += self._points(out, account_id, None, 100, "bonus", created + 60)
        bought: list[int] = []
        order_numbers: list[str] = []
        for at in order_times:
            order_id, total, products = self._order(
                rng, out, person, at, customer_id=customer_id, delivery=delivery,
                provider=payment if rng.random() < 0.8 else None, carrier=carrier,
            )
            bought.extend(products)
            order_numbers.append(f"FH-{order_id:09d}")
            if loyalty:
                balance += self._points(out, account_id, order_id, total // 1000, "purchase", at)
                if balance > 500 and rng.random() < 0.15:
                    balance += self._points(out, account_id, order_id, -500, "redemption", at)
        if loyalty:
            out["loyalty_accounts"].append((account_id, customer_id, balance))
        self._account_extras(rng, out, customer_id, person, created, active_until, bought,
                             order_numbers, language)

    def _points(self, out: Chunk, account_id: int, order_id: int | None, points: int,
                reason: str, at: int) -> int:
        out["loyalty_ledger"].append((self.key("loyalty_ledger"), account_id, order_id, points,
                                      reason, self.clock.stamp(at)))
        return points

    def _account_extras(self, rng: DemoRandom, out: Chunk, customer_id: int, person: Person,
                        created: int, active_until: int, bought: Sequence[int],
                        order_numbers: Sequence[str], language: str) -> None:
        stamp = self.clock.stamp
        span = max(active_until - created, 1)
        if rng.random() < 0.35:
            self._newsletter(rng, out, person.email, customer_id, created + rng.randrange(span))
        pets: list[str] = []
        if rng.random() < 0.55:
            for _ in range(rng.weighted((1, 2, 3), (70, 22, 8))):
                pet = rng.choice(pools.PET_NAMES)
                pets.append(pet)
                born = None
                if rng.random() < 0.7:
                    born = self.clock.day(created // DAY - rng.randrange(15 * 365))
                out["pet_profiles"].append((
                    self.key("pet_profiles"), customer_id, pet,
                    rng.weighted(pools.SPECIES, pools.SPECIES_WEIGHTS), born,
                ))
        if rng.random() < 0.2:
            for _ in range(1 if rng.random() < 0.9 else 2):
                wishlist_id = self.key("wishlists")
                made = created + rng.randrange(span)
                out["wishlists"].append((wishlist_id, customer_id,
                                         rng.choice(pools.WISHLIST_NAMES[language]),
                                         stamp(made)))
                for _ in range(rng.randint(1, 6)):
                    out["wishlist_items"].append((self.key("wishlist_items"), wishlist_id,
                                                  self._pick_product(rng),
                                                  stamp(made + rng.randrange(30 * DAY))))
        if bought and rng.random() < 0.2:
            for product in rng.sample(bought, min(len(bought), rng.randint(1, 2))):
                body = rng.choice(pools.REVIEWS[language]).format(
                    pet=pets[0] if pets else rng.choice(pools.PET_NAMES))
                out["product_reviews"].append((
                    self.key("product_reviews"), customer_id, product,
                    rng.weighted((1, 2, 3, 4, 5), (5, 5, 12, 33, 45)), body,
                    f"{person.first} {person.last[0]}.",
                    stamp(created + rng.randrange(span)),
                ))
        if rng.random() < 0.12:
            for _ in range(rng.randint(1, 2)):
                self._chat(rng, out, customer_id, person, language,
                           rng.choice(order_numbers) if order_numbers else None,
                           pets[0] if pets else rng.choice(pools.PET_NAMES),
                           created + rng.randrange(span))
        for _ in range(rng.weighted((0, 1, 2), (50, 35, 15))):
            self._cart_session(rng, out, customer_id, self._recent(rng, created, 3 * 365))
        for _ in range(rng.weighted((0, 1, 2), (45, 40, 15))):
            self._access(rng, out, customer_id, self._recent(rng, created, 120))
        if rng.random() < 0.08:
            self._back_in_stock(rng, out, person.email)

    def _recent(self, rng: DemoRandom, not_before: int, days: int) -> int:
        return max(self.now - rng.randrange(days * DAY), not_before)

    # -- guests --------------------------------------------------------------------------

    def _guest_orders_before_account(self, rng: DemoRandom, out: Chunk, person: Person,
                                     created: int) -> None:
        """Orders the customer placed as a guest before signing up, with the e-mail typed
        in another letter case and the phone in another format: the same person to a DSR."""
        as_guest = Person(person.market, person.first, person.last,
                          case_variant(rng, person.email),
                          reformat_phone(rng, person.phone, person.market.country),
                          person.address)
        for _ in range(rng.randint(1, 2)):
            at = max(created - rng.randrange(1, 2 * 365) * DAY, self.start)
            self._guest_order(rng, out, as_guest, at)

    def _guest(self, rng: DemoRandom, out: Chunk) -> None:
        person, _ = self._new_person(rng, rng.randrange(10_000_000))
        first = self.start + rng.randrange(self.now - self.start)
        self._guest_order(rng, out, person, first)
        if rng.random() < 0.12:
            again = Person(person.market, person.first, person.last,
                           case_variant(rng, person.email), person.phone, person.address)
            self._guest_order(rng, out, again, first + rng.randrange(max(self.now - first, 1)))
        if rng.random() < 0.1:
            self._newsletter(rng, out, person.email, None, first)
        if rng.random() < 0.1:
            self._chat(rng, out, None, person, person.market.language, None,
                       rng.choice(pools.PET_NAMES), first + rng.randrange(DAY))

    def _guest_order(self, rng: DemoRandom, out: Chunk, person: Person, at: int) -> None:
        guest_id = self.key("guest_checkouts")
        out["guest_checkouts"].append((guest_id, person.email, person.phone, person.name,
                                       self.clock.stamp(at)))
        self._order(rng, out, person, at, guest_checkout_id=guest_id, delivery=person.address,
                    provider=None, carrier=None)

    def _anonymous_traffic(self, rng: DemoRandom, out: Chunk) -> None:
        for _ in range(rng.weighted((0, 1, 2), (40, 45, 15))):
            self._access(rng, out, None, self.now - rng.randrange(120 * DAY))
        if rng.random() < 0.5:
            self._cart_session(rng, out, None, self.now - rng.randrange(3 * 365 * DAY))
        if rng.random() < 0.04:
            person, _ = self._new_person(rng, 20_000_000 + rng.randrange(10_000_000))
            self._back_in_stock(rng, out, person.email)

    # -- orders --------------------------------------------------------------------------

    def _order(self, rng: DemoRandom, out: Chunk, person: Person, at: int, *,
               customer_id: int | None = None, guest_checkout_id: int | None = None,
               delivery: str, provider: str | None, carrier: str | None,
               ) -> tuple[int, int, list[int]]:
        stamp = self.clock.stamp
        market = person.market
        order_id = self.key("orders")
        factor = market.price_factor
        total = 0
        products: list[int] = []
        for _ in range(rng.weighted((1, 2, 3, 4, 6), (40, 30, 15, 10, 5))):
            product = self._pick_product(rng)
            products.append(product)
            quantity = 1 if rng.random() < 0.75 else rng.randint(2, 4)
            price = int(self.prices[product - 1] * factor) // 100 * 100
            total += price * quantity
            out["order_lines"].append((self.key("order_lines"), order_id, product, quantity,
                                       money(price)))
        age = self.now - at
        if age < 2 * DAY:
            status = "processing"
        elif age < 7 * DAY:
            status = "shipped"
        else:
            status = rng.weighted(("delivered", "cancelled", "returned"), (93, 3, 4))
        created = stamp(at)
        out["orders"].append((
            order_id, f"FH-{order_id:09d}", customer_id, guest_checkout_id, person.email,
            person.phone if rng.random() < 0.95 else None, person.name, person.address,
            person.name, delivery, money(total), market.currency, status, created,
        ))
        provider = provider or rng.weighted(market.payments, market.payment_weights)
        payment_status = {"cancelled": "voided", "returned": "refunded"}.get(status, "captured")
        out["payments"].append((
            self.key("payments"), order_id, provider,
            "tok_" + token(rng, 18) if provider == "card" else None, money(total),
            payment_status, stamp(at + rng.randrange(1, 120)),
        ))
        if status != "processing" and status != "cancelled":
            carrier = carrier or rng.choice(market.carriers)
            out["shipments"].append((
                self.key("shipments"), order_id, carrier, self._tracking(rng, carrier),
                person.name,
                reformat_phone(rng, person.phone, market.country) if rng.random() < 0.7
                else None,
                stamp(at + rng.randrange(3600, 3 * DAY)),
            ))
        out["fraud_scores"].append((
            self.key("fraud_scores"), order_id, int(100 * rng.random() ** 6), ip_address(rng),
            token(rng, 24), created,
        ))
        if customer_id is not None and provider == "klarna" and rng.random() < 0.6:
            score = int(100 * rng.random() ** 0.5)
            decision = "declined" if score < 15 else "manual_review" if score < 25 else "approved"
            out["credit_checks"].append((
                self.key("credit_checks"), customer_id, order_id, market.bureau, score,
                decision, created,
            ))
        return order_id, total, products

    def _tracking(self, rng: DemoRandom, carrier: str) -> str:
        return TRACKING_FORMATS[carrier].format(rng.randrange(1_000_000_000))

    # -- consent, reminders, chats, clicks ----------------------------------------------

    def _newsletter(self, rng: DemoRandom, out: Chunk, email: str, customer_id: int | None,
                    at: int) -> None:
        confirmed = at + rng.randrange(60, 2 * DAY) if rng.random() < 0.85 else None
        unsubscribed = None
        if confirmed is not None and rng.random() < 0.2 and confirmed < self.now - DAY:
            unsubscribed = self.clock.stamp(confirmed + rng.randrange(self.now - confirmed))
        out["newsletter_subscriptions"].append((
            self.key("newsletter_subscriptions"), email, customer_id, self.clock.stamp(at),
            self.clock.stamp(confirmed) if confirmed is not None else None, unsubscribed,
        ))

    def _back_in_stock(self, rng: DemoRandom, out: Chunk, email: str) -> None:
        at = self.now - rng.randrange(2 * 365 * DAY)
        notified = None
        if rng.random() < 0.6:
            notified = self.clock.stamp(min(at + rng.randrange(40 * DAY), self.now - 1))
        out["back_in_stock_requests"].append((
            self.key("back_in_stock_requests"), email, self._pick_product(rng),
            self.clock.stamp(at), notified,
        ))

    def _chat(self, rng: DemoRandom, out: Chunk, customer_id: int | None, person: Person,
              language: str, order_number: str | None, pet: str, at: int) -> None:
        templates: tuple[str, ...] = pools.CHATS[language]
        if order_number is None:  # nothing bought yet: only questions without an order
            templates = tuple(t for t in templates if "{order}" not in t)
        transcript = rng.choice(templates).format(
            name=person.name, first=person.first, order=order_number, pet=pet,
            phone=reformat_phone(rng, person.phone, person.market.country),
            email=person.email, carrier=rng.choice(person.market.carriers).capitalize(),
        )
        out["support_chats"].append((self.key("support_chats"), customer_id,
                                     person.email if rng.random() < 0.8 else None, transcript,
                                     self.clock.stamp(min(at, self.now - 1))))

    def _cart_session(self, rng: DemoRandom, out: Chunk, customer_id: int | None,
                      at: int) -> None:
        session = token(rng, 18)
        for step in range(rng.randint(1, 3)):
            action = "add" if step == 0 or rng.random() < 0.6 else rng.choice(("remove",
                                                                                 "checkout"))
            out["cart_events"].append((self.key("cart_events"), customer_id, session,
                                       self._pick_product(rng), action,
                                       self.clock.stamp(min(at + step * 40, self.now - 1))))

    def _access(self, rng: DemoRandom, out: Chunk, customer_id: int | None,
                at: int) -> None:
        path = rng.choice(pools.PATHS)
        out["access_logs"].append((
            self.key("access_logs"), ip_address(rng), rng.choice(pools.USER_AGENTS), path,
            rng.choice(pools.REFERRERS), 200 if rng.random() < 0.95 else rng.choice((301, 404,
                                                                                     500)),
            self.clock.stamp(min(at, self.now - 1)), customer_id,
        ))


def chunks(customers: int, *, seed: int, reference: date,
           chunk_customers: int = 10_000) -> Iterator[tuple[int, Chunk]]:
    """(customers made so far, rows) per chunk of about ``chunk_customers`` customers."""
    shop = Shop(seed, reference)
    blocks_per_chunk = max(1, chunk_customers // BLOCK)
    made = 0
    block = 0
    while made < customers or block == 0:
        out = empty_chunk()
        for _ in range(blocks_per_chunk):
            size = min(BLOCK, customers - made)
            if size <= 0 and block > 0:
                break
            shop.block(block, size, out)
            made += size
            block += 1
        yield made, out
        if made >= customers:
            break
