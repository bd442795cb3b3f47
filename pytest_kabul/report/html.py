"""pytest-html 4 hooks: the readiness scorecard, Code/Severity/Area columns, findings as extras.

Imported and registered only when the ``html`` plugin (pytest-html) is present, so the plugin
loads and runs without it (its ``pytest_html_*`` hook names would be unknown hooks otherwise).

The scorecard goes into pytest-html's summary *prefix*, which the Jinja template renders on the
server side: it is visible without JavaScript (and in ``--self-contained-html`` reports). The
template inserts these strings raw (``|safe``), so every value we insert is escaped here.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pytest
from pytest_html import extras as html_extras

from pytest_kabul.gate import State
from pytest_kabul.links import check_url
from pytest_kabul.model import Finding
from pytest_kabul.payload import ItemPayload
from pytest_kabul.redact import REDACTOR
from pytest_kabul.report.results import ItemResult
from pytest_kabul.report.scorecard import Scorecard, Verdict, WaiverStatus

if TYPE_CHECKING:
    from pytest_kabul.session import KabulPlugin

_VERDICT_COLOURS = {
    Verdict.INCOMPLETE: "#6a1b9a",
    Verdict.NOT_READY: "#b00020",
    Verdict.READY_WITH_WARNINGS: "#a05a00",
    Verdict.READY: "#1b7f3b",
}
_STATE_LABEL = {
    State.BLOCKING: "blocking",
    State.BELOW_LEVEL: "below fail-level (not failing)",
    State.KNOWN: "known in baseline (not failing)",
    State.WAIVED: "waived",
}
_STYLE = """<style>
#kabul-scorecard { margin: 8px 0 16px; }
#kabul-scorecard table { border-collapse: collapse; margin-top: 6px; }
#kabul-scorecard th, #kabul-scorecard td { border: 1px solid #ccc; padding: 3px 8px; }
#kabul-scorecard td.num { text-align: right; }
#kabul-scorecard .verdict { font-weight: bold; font-size: 1.3em; }
.kabul-finding { margin: 4px 0 10px; }
.kabul-finding pre { white-space: pre-wrap; background: #f6f6f6; padding: 4px; }
</style>"""


def _payload(report: Any) -> ItemPayload | None:
    return ItemPayload.find(getattr(report, "user_properties", ()))


def scorecard_html(card: Scorecard, root: str | None = None) -> str:
    colour = _VERDICT_COLOURS[card.verdict]
    head = (
        "<tr><th>Area</th><th>Passed</th><th>Failed</th><th>Skipped</th><th>Waived</th>"
        "<th>Known</th><th>Below fail-level</th><th>Worst severity</th></tr>"
    )
    body = []
    for row in card.rows:
        cells = [row.passed, row.failed, row.skipped, row.waived, row.known, row.below_level]
        worst = row.worst.label if row.worst else ("none" if row.items else "not checked")
        body.append(
            f'<tr class="kabul-area" data-area="{escape(row.area)}"><td>{escape(row.area)}</td>'
            + "".join(f'<td class="num">{n}</td>' for n in cells)
            + f"<td>{escape(worst)}</td></tr>"
        )
    notes = []
    for waiver in card.waivers_with(WaiverStatus.EXPIRED):
        until = waiver.waiver.until.isoformat() if waiver.waiver.until else "?"
        notes.append(f"Expired waiver {waiver.describe()}: expired on {until}.")
    for waiver in card.waivers_with(WaiverStatus.STALE):
        notes.append(f"Stale waiver {waiver.describe()}: matches no finding; remove it.")
    notes_html = "".join(f'<li class="kabul-waiver-note">{escape(n)}</li>' for n in notes)
    if card.not_run:
        notes_html += "".join(
            f'<li class="kabul-not-run">Could not run here: {escape(nodeid)}</li>'
            for nodeid in card.not_run
        )
    return (
        f'{_STYLE}<div id="kabul-scorecard">'
        f'<h2>Production readiness: <span class="verdict" data-verdict="{card.verdict.slug}"'
        f' style="color: {colour}">{escape(card.headline)}</span></h2>'
        + (f'<p class="kabul-root">Audited root: <code>{escape(root)}</code></p>' if root else "")
        + f"<p>Fail-level <b>{escape(card.fail_level.label)}</b>: findings below it are listed but"
        " do not fail their check.</p>"
        f'<table class="kabul-scorecard"><thead>{head}</thead><tbody>{"".join(body)}</tbody>'
        f"</table>{f'<ul>{notes_html}</ul>' if notes_html else ''}</div>"
    )


def findings_html(result: ItemResult, docs_url: str | None = None) -> str:
    parts = []
    if result.observed:
        parts.append(f'<p class="kabul-observed">Observed: {escape(result.observed)}</p>')
    if result.not_run and result.reason:
        parts.append(f'<p class="kabul-not-run">Could not run here: {escape(result.reason)}</p>')
    if result.waiver:
        state = "expired" if result.waiver.get("expired") else "applied"
        parts.append(
            f'<p class="kabul-waiver">Waiver ({escape(state)}):'
            f" {escape(str(result.waiver.get('reason', '')))}"
            f" (until {escape(str(result.waiver.get('until') or 'no date'))})</p>"
        )
    for index, finding in enumerate(REDACTOR.findings(result.findings)):
        parts.append(_finding_html(finding, result.state_of(index), docs_url))
    return '<div class="kabul-findings">' + "".join(parts) + "</div>"


def _finding_html(finding: Finding, state: State, docs_url: str | None) -> str:
    where = str(finding.location) if finding.location else "(no location)"
    evidence = "".join(
        f"<p><b>{escape(block.title)}</b></p><pre>{escape(block.text.rstrip())}</pre>"
        for block in finding.evidence
    )
    return (
        f'<div class="kabul-finding" data-state="{escape(state.value)}">'
        f"<p><b>{escape(finding.code)}</b> <code>{escape(where)}</code>"
        f" [{escape(finding.severity.label)}; {escape(_STATE_LABEL[state])}]"
        f" {escape(finding.message)}</p>"
        f"<p>Fix: {escape(finding.remediation)}"
        f' (<a class="kabul-docs" href="{escape(check_url(finding.code, docs_url))}">'
        f"{escape(finding.code)} documentation</a>)</p>{evidence}</div>"
    )


class KabulHtml:
    """Registered as ``kabul-html`` next to the session plugin when pytest-html is loaded."""

    def __init__(self, plugin: KabulPlugin) -> None:
        self.plugin = plugin
        self.area_of = {c.code: c.area.value for c in plugin.checks}

    @property
    def active(self) -> bool:
        # Only the process writing the report (never an xdist worker) adds extras, once.
        config = self.plugin.config
        return bool(config.getoption("htmlpath", None)) and not self.plugin.is_worker

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        prefix.append(scorecard_html(self.plugin.scorecard(), str(self.plugin.root)))

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[2:2] = [
            '<th class="sortable" data-column-type="code">Code</th>',
            '<th class="sortable" data-column-type="severity">Severity</th>',
            '<th class="sortable" data-column-type="area">Area</th>',
        ]

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        payload = _payload(report)
        code = severity = area = ""
        if payload is not None:
            code = payload.code
            area = payload.area.value
            findings = payload.findings
            if findings:
                severity = max(f.severity for f in findings).label
        code_cell = escape(code)
        if code:
            href = escape(check_url(code, self.plugin.kabul_config.docs_url))
            code_cell = f'<a class="kabul-docs" href="{href}">{code_cell}</a>'
        cells[2:2] = [
            f'<td class="col-code">{code_cell}</td>',
            f'<td class="col-severity">{escape(severity)}</td>',
            f'<td class="col-area">{escape(area)}</td>',
        ]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.active or report.when != "call":
            return
        payload = _payload(report)
        if payload is None or not (payload.findings or payload.observed or payload.not_run):
            return
        docs_url = self.plugin.kabul_config.docs_url
        result = ItemResult.from_report(report, payload)
        added = [
            html_extras.html(findings_html(result, docs_url)),
            # pytest-html lists url extras in its "Links" column.
            html_extras.url(check_url(payload.code, docs_url), name=f"{payload.code} docs"),
        ]
        report.extras = [*getattr(report, "extras", []), *added]  # type: ignore[attr-defined]
