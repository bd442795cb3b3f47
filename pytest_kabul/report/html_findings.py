"""The findings of the HTML report, rendered once, grouped by area and code, filterable.

pytest-html shows a row per item; a row's expanded log used to repeat each finding (our HTML
extra and the plain-text longrepr). Here every finding is rendered exactly once, in the
summary (server-side, visible without JavaScript), in three sections: blocking findings,
warnings below the fail-level, and findings a baseline or waiver accepts. Inside a section
findings are grouped by area, then by code. The scorecard's area rows link to their area's
first group; an item's row links to its findings by anchor (:func:`finding_anchor`).

A tiny script filters the groups by area and code (two ``<select>``s); the filter can also be
given in the address (``readiness.html#kabul-filter=code:KAB101`` or ``=area:settings``), so a
link can open the report filtered. Every inserted value is escaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from html import escape

from pytest_kabul.gate import State
from pytest_kabul.links import check_url
from pytest_kabul.model import Finding
from pytest_kabul.redact import REDACTOR
from pytest_kabul.report.results import ItemResult, Results
from pytest_kabul.report.scorecard import AREA_ORDER

STATE_LABEL = {
    State.BLOCKING: "blocking",
    State.BELOW_LEVEL: "below fail-level (not failing)",
    State.KNOWN: "known in baseline (not failing)",
    State.WAIVED: "waived",
}
# (section id, title, states shown there)
SECTIONS: tuple[tuple[str, str, frozenset[State]], ...] = (
    ("blocking", "Blocking findings", frozenset({State.BLOCKING})),
    ("below-level", "Warnings below the fail-level (not failing)", frozenset({State.BELOW_LEVEL})),
    (
        "accepted",
        "Accepted: known in the baseline or waived (not failing)",
        frozenset({State.KNOWN, State.WAIVED}),
    ),
)
STYLE = """<style>
#kabul-findings .kabul-section { margin: 12px 0; }
#kabul-findings .kabul-area-group { margin-left: 8px; }
#kabul-findings .kabul-code-group { margin-left: 12px; }
#kabul-findings h4, #kabul-findings h5 { margin: 8px 0 4px; }
#kabul-filter label { margin-right: 12px; }
.kabul-finding { margin: 4px 0 10px; }
.kabul-finding pre { white-space: pre-wrap; background: #f6f6f6; padding: 4px; }
</style>"""
# Filters groups and findings by the two selects; reads ``#kabul-filter=area:x|code:y`` once.
SCRIPT = """<script>
(function () {
  var area = document.getElementById('kabul-filter-area');
  var code = document.getElementById('kabul-filter-code');
  function apply() {
    var a = area.value, c = code.value;
    document.querySelectorAll('#kabul-findings .kabul-code-group').forEach(function (g) {
      g.hidden = (a && g.dataset.area !== a) || (c && g.dataset.code !== c);
    });
    document.querySelectorAll('#kabul-findings .kabul-area-group').forEach(function (g) {
      g.hidden = !g.querySelector('.kabul-code-group:not([hidden])');
    });
  }
  var m = /kabul-filter=(area|code):([\\w-]+)/.exec(window.location.hash);
  if (m) { (m[1] === 'area' ? area : code).value = m[2]; }
  area.addEventListener('change', apply);
  code.addEventListener('change', apply);
  apply();
})();
</script>"""


def finding_anchor(nodeid: str, index: int) -> str:
    """The element id of an item's ``index``-th finding (the same in the row and the summary)."""
    return f"kabul-f-{hashlib.sha1(nodeid.encode()).hexdigest()[:12]}-{index}"


def finding_html(finding: Finding, state: State, docs_url: str | None, anchor: str = "") -> str:
    where = str(finding.location) if finding.location else "(no location)"
    evidence = "".join(
        f"<p><b>{escape(block.title)}</b></p><pre>{escape(block.text.rstrip())}</pre>"
        for block in finding.evidence
    )
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return (
        f'<div class="kabul-finding"{ident} data-state="{escape(state.value)}"'
        f' data-code="{escape(finding.code)}">'
        f"<p><b>{escape(finding.code)}</b> <code>{escape(where)}</code>"
        f" [{escape(finding.severity.label)}; {escape(STATE_LABEL[state])}]"
        f" {escape(finding.message)}</p>"
        f"<p>Fix: {escape(finding.remediation)}"
        f' (<a class="kabul-docs" href="{escape(check_url(finding.code, docs_url))}">'
        f"{escape(finding.code)} documentation</a>)</p>{evidence}</div>"
    )


def row_links_html(result: ItemResult) -> str:
    """An item row's log: one link per finding to its rendering in the summary."""
    links = []
    for index, finding in enumerate(REDACTOR.findings(result.findings)):
        state = result.state_of(index)
        where = str(finding.location) if finding.location else "(no location)"
        links.append(
            f'<a class="kabul-finding-link" href="#{finding_anchor(result.nodeid, index)}">'
            f"{escape(finding.code)} {escape(where)} [{escape(finding.severity.label)};"
            f" {escape(STATE_LABEL[state])}]</a>"
        )
    return "<br>".join(links)


Row = tuple[Finding, State, ItemResult, int]


def findings_sections_html(
    results: Results, area_of: Mapping[str, str], names: Mapping[str, str], docs_url: str | None
) -> str:
    rows: list[Row] = []
    for result in results.sorted():
        for index, finding in enumerate(REDACTOR.findings(result.findings)):
            rows.append((finding, result.state_of(index), result, index))
    if not rows:
        return ""
    order = [a.value for a in AREA_ORDER]
    rows.sort(key=lambda r: (_rank(order, area_of.get(r[0].code, "")), r[0].sort_key()))
    areas = sorted({area_of.get(r[0].code, "") for r in rows}, key=lambda a: _rank(order, a))
    codes = sorted({r[0].code for r in rows})
    options = "".join(f'<option value="{escape(a)}">{escape(a)}</option>' for a in areas)
    code_options = "".join(f'<option value="{escape(c)}">{escape(c)}</option>' for c in codes)
    parts = [
        '<div id="kabul-filter">Filter: <label>area <select id="kabul-filter-area">'
        f'<option value="">all</option>{options}</select></label>'
        '<label>code <select id="kabul-filter-code">'
        f'<option value="">all</option>{code_options}</select></label></div>'
    ]
    anchored: set[str] = set()
    for slug, title, states in SECTIONS:
        chosen = [r for r in rows if r[1] in states]
        if not chosen:
            continue
        parts.append(
            f'<section class="kabul-section" id="kabul-{slug}">'
            f"<h3>{escape(title)} ({len(chosen)})</h3>"
        )
        for area in areas:
            in_area = [r for r in chosen if area_of.get(r[0].code, "") == area]
            if not in_area:
                continue
            ident = "" if area in anchored else f' id="kabul-area-{escape(area)}"'
            anchored.add(area)
            parts.append(
                f'<div class="kabul-area-group"{ident} data-area="{escape(area)}">'
                f"<h4>{escape(area)} ({len(in_area)})</h4>"
            )
            for code in sorted({r[0].code for r in in_area}):
                group = [r for r in in_area if r[0].code == code]
                href = escape(check_url(code, docs_url))
                parts.append(
                    f'<div class="kabul-code-group" data-area="{escape(area)}"'
                    f' data-code="{escape(code)}"><h5><a class="kabul-docs" href="{href}">'
                    f"{escape(code)}</a> {escape(names.get(code, ''))} ({len(group)})</h5>"
                )
                for finding, state, result, index in group:
                    anchor = finding_anchor(result.nodeid, index)
                    parts.append(finding_html(finding, state, docs_url, anchor))
                parts.append("</div>")
            parts.append("</div>")
        parts.append("</section>")
    return f'{STYLE}<div id="kabul-findings"><h2>Findings</h2>{"".join(parts)}</div>{SCRIPT}'


def _rank(order: list[str], area: str) -> int:
    return order.index(area) if area in order else len(order)
