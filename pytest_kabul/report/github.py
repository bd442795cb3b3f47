"""GitHub-native output without code scanning: workflow annotations and a job summary.

Annotations are workflow commands printed on standard output
(``::error file=backend/app/x.py,line=25,title=KAB101 python-import-undeclared::…``); GitHub
shows them on the run and on the pull request's changed lines, in private repositories too.
The job summary is Markdown appended to the file named by ``$GITHUB_STEP_SUMMARY``: the verdict,
the scorecard and the blocking findings with links to their check pages.

Only what the gate decided is shown: blocking findings as errors (warnings or notices by their
severity when below the fail-level); known (baseline) and waived findings are not annotated.
"""

from __future__ import annotations

from collections.abc import Mapping

from pytest_kabul.gate import State
from pytest_kabul.links import check_url
from pytest_kabul.model import Finding, Severity
from pytest_kabul.report.results import Results
from pytest_kabul.report.scorecard import Scorecard

# GitHub shows at most 10 error and 10 warning annotations per step; the rest are still valid
# workflow commands, so none is dropped here.
_COMMAND = {
    Severity.INFO: "notice",
    Severity.WARNING: "warning",
    Severity.ERROR: "error",
    Severity.CRITICAL: "error",
}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, state: State, name: str, docs_url: str | None = None) -> str:
    """One workflow command for ``finding`` (``name`` is its check's name)."""
    command = _COMMAND[finding.severity] if state is State.BLOCKING else "warning"
    if state is State.BELOW_LEVEL and finding.severity is Severity.INFO:
        command = "notice"
    props = []
    if finding.location is not None:
        props.append(f"file={_escape_property(finding.location.path)}")
        if finding.location.line is not None and finding.location.line >= 1:
            props.append(f"line={finding.location.line}")
    props.append(f"title={_escape_property(f'{finding.code} {name}')}")
    message = (
        f"{finding.message}\nFix: {finding.remediation}\nDocs: {check_url(finding.code, docs_url)}"
    )
    return f"::{command} {','.join(props)}::{_escape_data(message)}"


def workflow_annotations(
    results: Results, names: Mapping[str, str], docs_url: str | None = None
) -> list[str]:
    """Workflow commands for every blocking or below-fail-level finding, sorted."""
    return [
        annotation(finding, state, names.get(finding.code, ""), docs_url)
        for finding, state, _fp, _item in results.finding_states()
        if state in (State.BLOCKING, State.BELOW_LEVEL)
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def job_summary(card: Scorecard, results: Results, docs_url: str | None = None) -> str:
    """The Markdown job summary: verdict, scorecard, blocking findings with their docs."""
    lines = [
        f"## Production readiness: {card.verdict.value}",
        "",
        f"Fail-level **{card.fail_level.label}**: findings below it are listed but do not fail.",
        "",
        "| area | passed | failed | skipped | waived | worst severity |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in card.rows:
        worst = row.worst.label if row.worst else ("none" if row.items else "not checked")
        lines.append(
            f"| {row.area} | {row.passed} | {row.failed} | {row.skipped} | {row.waived} | {worst} |"
        )
    states = results.finding_states()
    for state, title in (
        (State.BLOCKING, "Blocking findings"),
        (State.BELOW_LEVEL, "Below the fail-level (not failing)"),
    ):
        chosen = [f for f, s, _fp, _item in states if s is state]
        if not chosen:
            continue
        lines += ["", f"### {title} ({len(chosen)})", ""]
        lines += ["| check | severity | where | finding | fix |", "|---|---|---|---|---|"]
        for finding in chosen:
            where = f"`{finding.location}`" if finding.location else ""
            code = f"[{finding.code}]({check_url(finding.code, docs_url)})"
            lines.append(
                f"| {code} | {finding.severity.label} | {where} | {_cell(finding.message)}"
                f" | {_cell(finding.remediation)} |"
            )
    return "\n".join(lines) + "\n"
