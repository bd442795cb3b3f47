"""Collection of readiness items (``collect.py``) through real pytest sessions (pytester).

The items are counted by pytest itself (``collected N items``, ``--co``); a check with a subject
lister is only listed at collection and judged in its first item's call phase, once per process.
KAB99x codes are reserved for these demo checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_kabul import registry

CONFTEST = """
import os
import time
from pathlib import Path
from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.registry import Check, Evaluation, REGISTRY

LOG = Path(os.environ["KABUL_DEMO_LOG"])

def finding(subject, line):
    return Finding(code="KAB992", severity=Severity.ERROR, subject=subject,
                   message=f"{subject} is bad", remediation="Fix it.",
                   location=Location("app/x.py", line))

if "KAB992" not in REGISTRY:
    lazy = Check(code="KAB992", name="demo-deferred", area=Area.PROJECT,
                 severity=Severity.ERROR, summary="A demo check judged at call time.")

    @lazy.subject_lister
    def listing(project):
        time.sleep(float(os.environ.get("KABUL_DEMO_LISTING_SECONDS", "0")))
        return Evaluation.build(subjects=["app:a", "app:b", "app:c", "app:d"],
                                skipped={"app:e": "app/y.py sets nothing to judge"})

    @lazy.evaluator
    def evaluate(project):
        with LOG.open("a") as fh:
            fh.write(os.environ.get("PYTEST_CURRENT_TEST", "collection") + "\\n")
        return Evaluation.build(
            subjects=["app:a", "app:b", "app:c"],
            findings=[finding("app:b", 3), finding("app:zz-unlisted", 9)],
            skipped={"app:d": "no app/y.py handler to judge", "app:e": "app/y.py sets nothing"},
        )
"""


@pytest.fixture
def deferred(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A pytester project with the deferred demo check; returns the evaluator's call log."""
    registry.all_checks()
    saved = dict(registry.REGISTRY)
    log = pytester.path / "evaluations.log"
    monkeypatch.setenv("KABUL_DEMO_LOG", str(log))
    pytester.makeconftest(CONFTEST)
    pytester.makepyprojecttoml('[project]\nname = "demo"\nversion = "0"\n')
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "y.py").write_text("X = 1\n")
    yield log
    registry.REGISTRY.clear()
    registry.REGISTRY.update(saved)


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_collect_only_counts_and_lists_every_item_without_judging(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992", "--co", "-q")
    ids = [line for line in result.outlines if line.startswith("kabul::")]
    assert ids == [f"kabul::KAB992[app:{s}]" for s in "abcde"]
    result.stdout.fnmatch_lines(["5 tests collected*"])
    assert "no tests collected" not in result.stdout.str()
    assert _calls(deferred) == []  # listed, never judged


def test_header_counts_the_readiness_items(pytester: pytest.Pytester, deferred: Path) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992")
    result.stdout.fnmatch_lines(["collected 5 items"])


def test_deferred_check_is_judged_once_in_its_first_items_call_phase(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB992", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=1, failed=2, skipped=2)
    assert _calls(deferred) == ["kabul::KAB992[app:a] (call)"]


def test_a_finding_for_an_unlisted_subject_is_reported_by_the_first_item(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB992", "-p", "no:randomly"
    )
    out = result.stdout.str()
    assert "FAILED kabul::KAB992[app:b]" in out
    assert "app:zz-unlisted is bad" in out
    failed = [line for line in result.outlines if line.startswith("FAILED")]
    assert [line.split(" ")[1] for line in failed] == [
        "kabul::KAB992[app:a]",
        "kabul::KAB992[app:b]",
    ]


def test_skips_point_at_the_project_file_they_are_about(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992", "-rs")
    out = result.stdout.str()
    assert "collect.py" not in out
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [1] app/y.py: KAB992: no app/y.py handler to judge",
            "SKIPPED [1] app/y.py: KAB992: app/y.py sets nothing to judge",
        ]
    )


def test_deferred_check_under_xdist_keeps_outcomes(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992", "-n", "2")
    result.assert_outcomes(passed=1, failed=2, skipped=2)
    calls = _calls(deferred)
    assert 1 <= len(calls) <= 2  # one evaluation per worker that ran one of its items
    assert all(c.endswith("(call)") for c in calls)


PROJECTS = Path(__file__).parent / "projects"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in PROJECTS.iterdir() if (p / "expected.toml").exists())
)
def test_every_subject_lister_lists_what_its_evaluator_judges(name: str) -> None:
    """A deferred check's listing (collection) and evaluation (call phase) agree on every
    fixture repository, so no finding has to fall back to the first item."""
    from pytest_kabul.config import load_config
    from pytest_kabul.project.core import Project

    root = PROJECTS / name
    deferred = [c for c in registry.all_checks() if c.deferred]
    assert deferred, "no check lists its subjects at collection"
    project = Project(root, load_config(root, None))
    for check in deferred:
        listing, evaluation = check.list_subjects(project), check.evaluate(project)
        assert listing.not_applicable == evaluation.not_applicable, check.code
        assert listing.subjects == evaluation.subjects, check.code
        assert dict(listing.skipped) == dict(evaluation.skipped), check.code


@pytest.fixture
def slow_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo check's collection takes just over the one-second threshold."""
    from pytest_kabul.progress import SLOW_CHECK_SECONDS

    monkeypatch.setenv("KABUL_DEMO_LISTING_SECONDS", str(SLOW_CHECK_SECONDS + 0.05))


def test_a_log_that_is_not_a_terminal_shows_each_slow_check_and_the_scan(
    pytester: pytest.Pytester, deferred: Path, slow_listing: None
) -> None:
    """pytester's output is not a terminal, as a CI log is not: no collecting counter moves
    there, so each slow check gets a line as it is collected, then one summary line."""
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992")
    result.stdout.fnmatch_lines(
        [
            "kabul: KAB992 demo-deferred listed (judged when its items run) in 1.* s",
            "kabul: collection-time scan of 1 check took 1.* s (slowest: KAB992 1.* s)",
            "collected 5 items",
        ]
    )


def test_a_fast_check_gets_no_line_of_its_own_but_the_scan_is_summed_up(
    pytester: pytest.Pytester, deferred: Path
) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992")
    out = result.stdout.str()
    assert "kabul: KAB992" not in out
    result.stdout.fnmatch_lines(["kabul: collection-time scan of 1 check took *", "collected 5*"])


def test_quiet_runs_print_no_collection_progress(
    pytester: pytest.Pytester, deferred: Path, slow_listing: None
) -> None:
    result = pytester.runpytest("--kabul-readiness", "--kabul-select", "KAB992", "-q")
    assert "kabul: " not in result.stdout.str()
    result.assert_outcomes(passed=1, failed=2, skipped=2)


def test_collection_time_shows_on_the_checks_first_item(
    pytester: pytest.Pytester, deferred: Path, slow_listing: None
) -> None:
    """--durations and JUnit time show what judging a check cost, also the part spent while
    collecting: it is added to the call phase of the check's first item to run."""
    import xml.etree.ElementTree as ET

    result = pytester.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB992", "-p", "no:randomly",
        "--junitxml=out.xml", "--durations=3",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*1.* call *kabul::KAB992[[]app:a[]]*"])
    cases = ET.parse(pytester.path / "out.xml").getroot().iter("testcase")
    times = {c.get("name"): float(c.get("time") or 0) for c in cases}
    assert times["KAB992[app:a]"] >= 1.0
    assert all(t < 1.0 for name, t in times.items() if name != "KAB992[app:a]"), times
    props = [p.get("name") for p in ET.parse(pytester.path / "out.xml").getroot().iter("property")]
    assert props.count("kabul_collection_seconds") == 1
