"""The console's two pictures, drawn on the server as SVG (no script, no library):

* the opt-in rate per consent category per week (a line chart; the page also shows the
  numbers as a table, for screen readers and for anyone who wants the figures);
* the data map: the shop's systems (datastores) → the recipients their data goes to →
  the countries it ends up in, with transfers to third countries (Chapter V) marked by a
  dashed red line *and* the words "third country" and the safeguard.

This module computes figures and coordinates; the templates draw them, so every label is
escaped by Jinja2 like any other text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from personvern.catalog import transfer_status
from personvern.consent.statistics import WeekFigure
from personvern.manifest.model import Manifest
from personvern.requests.access import purposes_of_field

WEEK = timedelta(days=7)
# One line style per category, so the lines differ in more than colour (WCAG 1.4.1).
LINE_STYLES = (("#0b5cad", ""), ("#a4161a", "6 4"), ("#1d6b35", "2 3"), ("#6a3d9a", "10 3 2 3"),
               ("#7a4d00", "1 5"), ("#1b1f24", "12 6"))
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square")


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    colour: str
    dash: str
    marker: str
    points: list[tuple[float, float, str]]  # x, y, the figure as text (for <title>)

    @property
    def path(self) -> str:
        """An SVG path that breaks where a week had no choice (no invented zero)."""
        parts, pen_down = [], False
        for x, y, text in self.points:
            if not text:
                pen_down = False
                continue
            parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
        return " ".join(parts)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[Line]


def optin_chart(figures: Mapping[str, list[WeekFigure]], labels: Mapping[str, str], *,
                width: int = 760, height: int = 320) -> Chart:
    left, top, right, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = max((len(series) for series in figures.values()), default=0)
    step = plot_w / max(weeks - 1, 1)

    def x_of(index: int) -> float:
        return left + index * step

    def y_of(rate: float) -> float:
        return top + plot_h * (1 - rate)

    any_series = next(iter(figures.values()), [])
    x_ticks = [(x_of(i), f"{figure.week:%d.%m}") for i, figure in enumerate(any_series)]
    y_ticks = [(y_of(share / 100), f"{share} %") for share in range(0, 101, 25)]
    lines = []
    for position, (key, series) in enumerate(figures.items()):
        colour, dash = LINE_STYLES[position % len(LINE_STYLES)]
        points = [(x_of(i), y_of(f.rate) if f.rate is not None else 0.0,
                   f"{round(100 * f.rate)} %" if f.rate is not None else "")
                  for i, f in enumerate(series)]
        lines.append(Line(key, labels.get(key, key), colour, dash,
                          MARKERS[position % len(MARKERS)], points))
    return Chart(width, height, left, top, plot_w, plot_h, x_ticks, y_ticks, lines)


# --- the data map ------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    x: float
    y: float
    note: str = ""
    third_country: bool = False


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    third_country: bool = False


@dataclass(frozen=True)
class Flow:
    """One row of the map's table: a recipient, where its data comes from and goes."""

    recipient: str
    role: str
    datastores: list[str]
    countries: list[str]
    third_countries: list[str]
    mechanism: str


@dataclass
class DataMap:
    width: int
    height: int
    node_width: int
    node_height: int
    columns: list[tuple[float, str]] = field(default_factory=list)  # x, heading key
    stores: list[Node] = field(default_factory=list)
    recipients: list[Node] = field(default_factory=list)
    countries: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)


def recipients_of_datastore(manifest: Manifest, store_key: str) -> list[str]:
    """Recipients of the purposes that process a field of ``store_key`` (Art. 30(1)(d))."""
    purposes: set[str] = set()
    for _name, collection in manifest.datastores[store_key].collections.items():
        for data_field in collection.fields.values():
            purposes.update(purposes_of_field(manifest, data_field))
    found = {key for purpose in purposes for key in manifest.purposes[purpose].recipients}
    return sorted(key for key in found if key in manifest.recipients)


def _countries(manifest: Manifest, key: str) -> list[str]:
    recipient = manifest.recipients[key]
    places = [recipient.country] if recipient.country else []
    places += [place for place in recipient.data_locations if place not in places]
    return [str(place) for place in places]


def _third(country: str) -> bool:
    # Chapter V: a transfer outside the EEA without an adequacy decision (the EU-US Data
    # Privacy Framework counts as one only for certified companies, so it is marked too).
    return country not in ("EU", "EEA") and transfer_status(country) in ("dpf", "third_country")


def data_map(manifest: Manifest, *, width: int = 960) -> DataMap:
    stores = sorted(manifest.datastores)
    links = {store: recipients_of_datastore(manifest, store) for store in stores}
    recipients = sorted(manifest.recipients)
    countries = sorted({c for key in recipients for c in _countries(manifest, key)})
    node_w, node_h, gap, top = 220, 40, 16, 48
    rows = max(len(stores), len(recipients), len(countries), 1)
    height = top + rows * (node_h + gap) + gap
    xs = (16.0, (width - node_w) / 2, width - node_w - 16.0)
    picture = DataMap(width, height, node_w, node_h,
                      columns=[(xs[0], "systems"), (xs[1], "recipients"), (xs[2], "countries")])

    def y_at(index: int, count: int) -> float:
        spare = (rows - count) * (node_h + gap) / 2
        return top + spare + index * (node_h + gap)

    store_y = {key: y_at(i, len(stores)) for i, key in enumerate(stores)}
    recipient_y = {key: y_at(i, len(recipients)) for i, key in enumerate(recipients)}
    country_y = {key: y_at(i, len(countries)) for i, key in enumerate(countries)}
    picture.stores = [Node(key, key, xs[0], store_y[key]) for key in stores]
    for key in recipients:
        recipient = manifest.recipients[key]
        places = _countries(manifest, key)
        third = [place for place in places if _third(place)]
        mechanism = recipient.transfer.mechanism if recipient.transfer else ""
        picture.recipients.append(Node(key, recipient.name, xs[1], recipient_y[key],
                                       note=recipient.role.replace("_", " "),
                                       third_country=bool(third)))
        feeding = [store for store in stores if key in links[store]]
        picture.flows.append(Flow(recipient.name, recipient.role, feeding, places, third,
                                  mechanism))
        for store in feeding:
            picture.edges.append(Edge(xs[0] + node_w, store_y[store] + node_h / 2,
                                      xs[1], recipient_y[key] + node_h / 2))
        for place in places:
            picture.edges.append(Edge(xs[1] + node_w, recipient_y[key] + node_h / 2,
                                      xs[2], country_y[place] + node_h / 2,
                                      third_country=_third(place)))
    picture.countries = [Node(c, c, xs[2], country_y[c],
                              note="eea" if c in ("EU", "EEA") else transfer_status(c),
                              third_country=_third(c)) for c in countries]
    return picture
