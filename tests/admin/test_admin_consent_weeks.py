"""The opt-in rate per category per week is counted in SQL on SQLite and PostgreSQL alike
(and in Python elsewhere), and agrees with counting the events one by one."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from admin_console import SECRET, demo_manifest_path

from personvern.consent import records, statistics
from personvern.manifest.load import load_manifest
from personvern.store.database import transaction
from personvern.web.admin import charts

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


def test_weekly_rates_match_a_count_by_hand(engine: sa.Engine) -> None:
    manifest = load_manifest(demo_manifest_path()).manifest
    chance = random.Random(3)
    expected: Counter[tuple[str, int, bool]] = Counter()
    first_monday = statistics.week_start(NOW.date()) - timedelta(weeks=5)
    with transaction(engine) as session:
        for number in range(120):
            at = NOW - timedelta(hours=chance.randrange(0, 24 * 7 * 8))
            choices = {key: chance.random() < 0.5
                       for key in ("marketing", "performance") if chance.random() < 0.8}
            if not choices:
                continue
            records.record(session, manifest,
                           records.visitor(f"weekly-visitor-{number:08d}"),
                           records.validate_choices(manifest, choices),
                           source=records.ConsentSource.banner, language="nb", now=at)
            week = (statistics.week_start(at.date()) - first_monday).days // 7
            if week >= 0:
                for key, granted in choices.items():
                    expected[(key, week, granted)] += 1
    with transaction(engine) as session:
        figures = statistics.weekly_optin(session, ["marketing", "performance", "functional"],
                                      weeks=6, today=NOW.date())
    for key in ("marketing", "performance"):
        assert [f.week for f in figures[key]] == [first_monday + timedelta(weeks=i)
                                                  for i in range(6)]
        for index, figure in enumerate(figures[key]):
            yes, no = expected[(key, index, True)], expected[(key, index, False)]
            assert (figure.choices, figure.granted) == (yes + no, yes), (key, index)
    assert sum(f.choices for f in figures["marketing"]) > 40
    assert all(f.choices == 0 and f.rate is None for f in figures["functional"])


def test_the_chart_breaks_its_line_where_a_week_had_no_choice() -> None:
    monday = statistics.week_start(NOW.date())
    series = {"marketing": [statistics.WeekFigure(monday - timedelta(weeks=2), 4, 1),
                            statistics.WeekFigure(monday - timedelta(weeks=1), 0, 0),
                            statistics.WeekFigure(monday, 2, 2)]}
    chart = charts.optin_chart(series, {"marketing": "Marketing"})
    (line,) = chart.lines
    assert [text for _, _, text in line.points] == ["25 %", "", "100 %"]
    assert line.path.count("M") == 2 and "L" not in line.path  # two points, no line between
    top = chart.top
    assert line.points[2][1] == pytest.approx(top)  # 100 % at the top of the plot
