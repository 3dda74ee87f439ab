"""The palette in site.css keeps every text colour the console uses at WCAG 2.1 AA
contrast (>= 4.5:1) on every background it is used on. The colours are read from the
stylesheet itself, so a change there is checked here."""

from __future__ import annotations

import re

import pytest

from personvern.web.pages import TEMPLATES

CSS = (TEMPLATES.parent / "static" / "site.css").read_text(encoding="utf-8")
AA = 4.5
ERROR_BG = "#fde8e8"  # .flash.error, .integrity.broken, tr.third
OK_BG = "#e6f4ea"  # .flash.ok, .integrity.ok


def variables() -> dict[str, str]:
    return {name: value.lower() for name, value in
            re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS)}


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1, 1.4.3)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def pairs() -> list[tuple[str, str, str]]:
    v = variables()
    texts_on_light = ["ink", "muted", "accent", "danger", "ok", "soon"]
    backgrounds = {"paper": v["paper"], "panel": v["panel"], "warn-bg": v["warn-bg"],
                   "error-bg": ERROR_BG, "ok-bg": OK_BG}
    found = [(text, where, v[text], colour) for text in texts_on_light
             for where, colour in backgrounds.items()]
    found += [("accent-ink", "accent", v["accent-ink"], v["accent"]),
              ("accent-ink", "danger", v["accent-ink"], v["danger"]),
              ("accent-ink", "ok", v["accent-ink"], v["ok"])]
    return [(f"{text} on {where}", fg, bg) for text, where, fg, bg in found]


def test_the_stylesheet_declares_the_palette() -> None:
    assert {"ink", "muted", "paper", "panel", "accent", "accent-ink", "danger", "ok",
            "warn-bg", "soon"} <= set(variables())
    assert ERROR_BG in CSS and OK_BG in CSS


@pytest.mark.parametrize(("name", "text", "background"), pairs())
def test_every_text_background_pair_reaches_aa(name: str, text: str, background: str) -> None:
    assert contrast(text, background) >= AA, f"{name}: {contrast(text, background):.2f}:1"


def test_the_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
