"""The compliance report an auditor asks for: is every retention promise kept, today?

Per rule: the oldest row that still holds what the rule removes (a row a delete rule
covers; a field an anonymise rule has not yet anonymised), the day it fell or falls due,
and whether it is **past due**. Whether anonymised values really are anonymised is judged
by the values themselves (a value is anonymised when masking it again changes nothing:
masking is stable), not by what a sweep wrote down, so the report also catches rows a
sweep never saw. Erasures deferred under a legal hold whose hold has ended (Art. 17(3)
keeps data only as long as the law requires) and are still not done are past due too.

Rendered as text, JSON and HTML (a self-contained page, every value escaped).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from personvern.manifest.model import Manifest
from personvern.retention.plan import RulePlan, plan
from personvern.retention.rules import due_on
from personvern.retention.sweep import Moment
from personvern.store.models import DeferredErasure


@dataclass(frozen=True)
class RuleStatus:
    plan: RulePlan
    oldest: datetime | None  # the oldest row still holding what the rule removes
    oldest_due_on: date | None
    past_due_rows: int

    @property
    def past_due(self) -> bool:
        return self.past_due_rows > 0

    def to_json(self) -> dict[str, Any]:
        sweep = self.plan.sweep
        return {
            "rule": sweep.id, "datastore": sweep.datastore, "collection": sweep.collection,
            "action": sweep.action, "fields": sorted(sweep.fields),
            "after": str(sweep.after), "from": sweep.describe_anchor(),
            "description": sweep.description,
            "oldest_row": _iso(self.oldest), "oldest_due_on": _iso(self.oldest_due_on),
            "past_due": self.past_due, "past_due_rows": self.past_due_rows,
            "next_due_on": _iso(self.plan.next_due_on),
        }


@dataclass(frozen=True)
class HoldStatus:
    """Erasures kept under a legal hold: those whose hold has ended must be done."""

    pending: int
    overdue: int
    oldest_overdue: date | None

    def to_json(self) -> dict[str, Any]:
        return {"pending": self.pending, "overdue": self.overdue,
                "oldest_overdue_due_on": _iso(self.oldest_overdue)}


@dataclass(frozen=True)
class ComplianceReport:
    organization: str
    checked_at: datetime
    today: date
    rules: list[RuleStatus] = field(default_factory=list)
    holds: HoldStatus = HoldStatus(0, 0, None)

    @property
    def compliant(self) -> bool:
        return not any(r.past_due for r in self.rules) and self.holds.overdue == 0

    def to_json(self) -> dict[str, Any]:
        return {"organization": self.organization, "checked_at": self.checked_at.isoformat(),
                "today": self.today.isoformat(), "compliant": self.compliant,
                "rules": [r.to_json() for r in self.rules],
                "deferred_erasures": self.holds.to_json()}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def verify(manifest: Manifest, moment: Moment, session: Session | None = None
           ) -> ComplianceReport:
    """Check every rule against the shop's databases (read-only) and, with ``session``
    (the engine's store), the erasures deferred under legal holds."""
    fiscal = manifest.organization.fiscal_year_start_month_day
    rules = []
    for rule in plan(manifest, moment):
        # Past due: the oldest due row still there; otherwise the next row to fall due.
        oldest = rule.due.oldest if rule.due.rows else rule.next_anchor
        rules.append(RuleStatus(rule, oldest,
                                due_on(rule.sweep, oldest, fiscal) if oldest else None,
                                rule.due.rows))
    holds = hold_status(session, moment.today) if session is not None else HoldStatus(0, 0, None)
    return ComplianceReport(manifest.organization.name, moment.now, moment.today, rules, holds)


def hold_status(session: Session, today: date) -> HoldStatus:
    open_ = DeferredErasure.done_at.is_(None)
    pending = session.scalar(sa.select(sa.func.count()).where(open_)) or 0
    overdue, oldest = session.execute(
        sa.select(sa.func.count(), sa.func.min(DeferredErasure.due_on))
        .where(open_, DeferredErasure.due_on <= today)).one()
    return HoldStatus(int(pending), int(overdue or 0), oldest)


# --- rendering ---------------------------------------------------------------------------


def render_json(report: ComplianceReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def _verdict(status: RuleStatus) -> str:
    if status.past_due:
        return f"PAST DUE ({status.past_due_rows} rows)"
    return "ok"


def render_text(report: ComplianceReport) -> str:
    lines = [f"Retention compliance of {report.organization}, {report.today.isoformat()}: "
             + ("every promise kept" if report.compliant else "PAST DUE rows found"), ""]
    for status in report.rules:
        sweep = status.plan.sweep
        what = "delete rows" if sweep.action == "delete" else \
            "anonymise " + ", ".join(sorted(sweep.fields))
        oldest = (f"oldest {status.oldest:%Y-%m-%d %H:%M}, due {status.oldest_due_on}"
                  if status.oldest else "no rows")
        lines.append(f"{_verdict(status):<24} {sweep.id}: {what} {sweep.after} after "
                     f"{sweep.describe_anchor()}; {oldest}")
    holds = report.holds
    lines.append(f"{'PAST DUE' if holds.overdue else 'ok':<24} erasures deferred under "
                 f"legal holds: {holds.pending} pending, {holds.overdue} whose hold has ended"
                 + (f" (since {holds.oldest_overdue})" if holds.oldest_overdue else ""))
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.4rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.bad{color:#a00;font-weight:bold}
.ok{color:#060}
"""


def render_html(report: ComplianceReport) -> str:
    def cell(value: object) -> str:
        return f"<td>{html.escape('' if value is None else str(value))}</td>"

    rows = []
    for status in report.rules:
        sweep = status.plan.sweep
        verdict = (f'<td class="bad">past due: {status.past_due_rows} rows</td>'
                   if status.past_due else '<td class="ok">ok</td>')
        rows.append("<tr>" + verdict + cell(sweep.id) + cell(sweep.action)
                    + cell(", ".join(sorted(sweep.fields))) + cell(sweep.after)
                    + cell(sweep.describe_anchor()) + cell(_iso(status.oldest))
                    + cell(_iso(status.oldest_due_on)) + cell(_iso(status.plan.next_due_on))
                    + "</tr>")
    holds = report.holds
    title = f"Retention compliance — {report.organization}"
    summary = ("Every retention promise is kept." if report.compliant
               else "Some rows are past due.")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>Checked {html.escape(report.checked_at.isoformat())} (day "
        f"{report.today.isoformat()}). <strong class=\"{'ok' if report.compliant else 'bad'}\">"
        f"{summary}</strong></p>"
        "<table><thead><tr><th>status</th><th>rule</th><th>action</th><th>fields</th>"
        "<th>after</th><th>from</th><th>oldest row</th><th>due on</th><th>next due</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<p class=\"{'bad' if holds.overdue else 'ok'}\">Erasures deferred under legal "
        f"holds: {holds.pending} pending, {holds.overdue} whose hold has ended.</p>"
        "</body></html>\n"
    )
