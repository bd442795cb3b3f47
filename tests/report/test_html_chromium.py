"""Open the self-contained HTML report in headless Chromium: the scorecard is really there.

Uses Debian's ``chromium`` package (installed by ``.ci/run``); skipped with a reason when it is
absent. The screenshot is kept as a test artefact in ``artifacts/readiness-report.png``
(gitignored) for a human to look at; the assertions run on the DOM Chromium rendered
(``--dump-dom``, after pytest-html's JavaScript built the results table).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_kabul.report.html_findings import finding_anchor
from tests import gate_demo
from tests.gate_demo import run
from tests.html_parse import parse_report

gate_project = gate_demo.gate_project
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1600",
]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_scorecard_is_visible_in_headless_chromium(
    gate_project: pytest.Pytester, tmp_path: Path
) -> None:
    (gate_project.path / "app" / "broken.py").write_text("def f(:\n")  # a real KAB001 finding
    run(gate_project, "--kabul-select=KAB001", "--html=readiness.html", "--self-contained-html")
    report = gate_project.path / "readiness.html"
    url = report.as_uri()
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "readiness-report.png"
    png.unlink(missing_ok=True)
    shot = _chromium(tmp_path / "profile-shot", f"--screenshot={png}", url)
    assert png.is_file(), f"no screenshot: {shot.stderr[-2000:]}"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a rendered page, not a blank canvas
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    (ARTIFACTS / "readiness-report.dom.html").write_text(dom.stdout, encoding="utf-8")
    parsed = parse_report(dom.stdout)
    assert parsed.verdict == "Not ready"
    assert [row[0] for row in parsed.area_rows][:3] == ["dependencies", "settings", "migrations"]
    assert parsed.table_headers[:5] == ["Result", "Test", "Code", "Severity", "Area"]
    # pytest-html's JavaScript rendered the rows with our columns and the findings extras.
    docs = "https://github.com/pytest-kabul/pytest-kabul/blob/main/docs/checks/"
    assert f'<td class="col-code"><a class="kabul-docs" href="{docs}KAB980.md">KAB980</a></td>' in (
        dom.stdout
    )
    assert (
        f'<td class="col-code"><a class="kabul-docs" href="{docs}KAB001.md">KAB001</a></td>'
        '<td class="col-severity">warning</td>'
    ) in dom.stdout
    # A failing row links to its check's page (pytest-html's Links column and the finding).
    assert f'href="{docs}KAB980.md"' in dom.stdout
    assert "KAB980 docs" in dom.stdout
    assert "app/broken.py" in dom.stdout
    assert "alembic error tail" in dom.stdout
    assert "&lt;script&gt;x&lt;/script&gt;" in dom.stdout
    assert dom.stdout.index('id="kabul-scorecard"') < dom.stdout.index('id="results-table"')


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_findings_filter_by_code_and_links_in_headless_chromium(
    gate_project: pytest.Pytester, tmp_path: Path
) -> None:
    """The report opened filtered (``#kabul-filter=code:KAB981``): the script hides every
    other code group and the areas left empty; rows and scorecard link to the findings."""
    run(gate_project, "--html=readiness.html", "--self-contained-html")
    url = (gate_project.path / "readiness.html").as_uri() + "#kabul-filter=code:KAB981"
    dom = _chromium(tmp_path / "profile-filter", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    shown = '<div class="kabul-code-group" data-area="migrations" data-code="KAB981">'
    hidden = '<div class="kabul-code-group" data-area="dependencies" data-code="KAB980" hidden="">'
    assert shown in html
    assert hidden in html
    area = '<div class="kabul-area-group" id="kabul-area-dependencies" data-area="dependencies"'
    assert f'{area} hidden=""><h4>dependencies' in html
    assert (
        '<div class="kabul-area-group" id="kabul-area-migrations" data-area="migrations"><h4>'
        in html
    )
    anchor = finding_anchor("kabul::KAB981[db:head]", 0)
    assert f'<a class="kabul-finding-link" href="#{anchor}">' in html  # the row's log
    assert f'<div class="kabul-finding" id="{anchor}"' in html  # its one rendering
    assert 'href="#kabul-area-migrations">migrations</a>' in html  # the scorecard row
