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

from pytest_kabul.links import check_url
from pytest_kabul.payload import ItemPayload
from pytest_kabul.report.html_findings import findings_sections_html, row_links_html
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
_STYLE = """<style>
#kabul-scorecard { margin: 8px 0 16px; }
#kabul-scorecard table { border-collapse: collapse; margin-top: 6px; }
#kabul-scorecard th, #kabul-scorecard td { border: 1px solid #ccc; padding: 3px 8px; }
#kabul-scorecard td.num { text-align: right; }
#kabul-scorecard .verdict { font-weight: bold; font-size: 1.3em; }
</style>"""


def _payload(report: Any) -> ItemPayload | None:
    return ItemPayload.find(getattr(report, "user_properties", ()))


def scorecard_html(
    card: Scorecard, root: str | None = None, linked: frozenset[str] = frozenset()
) -> str:
    """The verdict and per-area counts; an area in ``linked`` links to its findings."""
    colour = _VERDICT_COLOURS[card.verdict]
    head = (
        "<tr><th>Area</th><th>Passed</th><th>Failed</th><th>Skipped</th><th>Waived</th>"
        "<th>Known</th><th>Below fail-level</th><th>Worst severity</th></tr>"
    )
    body = []
    for row in card.rows:
        cells = [row.passed, row.failed, row.skipped, row.waived, row.known, row.below_level]
        worst = row.worst.label if row.worst else ("none" if row.items else "not checked")
        name = escape(row.area)
        if row.area in linked:
            name = f'<a class="kabul-area-link" href="#kabul-area-{name}">{name}</a>'
        body.append(
            f'<tr class="kabul-area" data-area="{escape(row.area)}"><td>{name}</td>'
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


def item_log_html(result: ItemResult) -> str:
    """What an item's row shows when expanded: what it observed, why it did not run, its
    waiver, and a link to each of its findings (rendered once, in the summary)."""
    parts = []
    if result.observed:
        parts.append(f'<p class="kabul-observed">Observed: {escape(result.observed)}</p>')
    if result.not_run and result.reason:
        parts.append(f'<p class="kabul-not-run">Could not run here: {escape(result.reason)}</p>')
    elif result.outcome == "skipped" and result.reason and not result.waived:
        parts.append(f'<p class="kabul-skip-reason">Skipped: {escape(result.reason)}</p>')
    if result.waiver:
        state = "expired" if result.waiver.get("expired") else "applied"
        parts.append(
            f'<p class="kabul-waiver">Waiver ({escape(state)}):'
            f" {escape(str(result.waiver.get('reason', '')))}"
            f" (until {escape(str(result.waiver.get('until') or 'no date'))})</p>"
        )
    if result.findings:
        parts.append(f'<p class="kabul-finding-links">{row_links_html(result)}</p>')
    return '<div class="kabul-item-log">' + "".join(parts) + "</div>"


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
        plugin = self.plugin
        results = plugin.results
        linked = frozenset(
            self.area_of.get(r.code, "") for r in results.items.values() if r.findings
        )
        prefix.append(scorecard_html(plugin.scorecard(), str(plugin.root), linked))
        names = {c.code: c.name for c in plugin.checks}
        prefix.append(
            findings_sections_html(results, self.area_of, names, plugin.kabul_config.docs_url)
        )

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

    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        """A readiness item's log: links to its findings and its reason, instead of the
        plain-text rendering (findings appear once, in the summary) or a skip tuple."""
        payload = _payload(report)
        if payload is None or not self.active:
            return
        result = ItemResult.from_report(report, payload)
        # pytest-html puts the longrepr text first; captured output sections follow it.
        rest = data[1:] if getattr(report, "longreprtext", "") else data
        rest = [chunk for chunk in rest if chunk != "No log output captured."]
        data[:] = [item_log_html(result), *rest]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.active or report.when != "call":
            return
        payload = _payload(report)
        if payload is None or not payload.findings:
            return
        # pytest-html lists url extras in its "Links" column: the check's page.
        link = html_extras.url(
            check_url(payload.code, self.plugin.kabul_config.docs_url), name=f"{payload.code} docs"
        )
        report.extras = [*getattr(report, "extras", []), link]  # type: ignore[attr-defined]
