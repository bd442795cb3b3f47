"""The pytest-layer contract of issue 2, driven through real pytest sessions (pytester).

A conftest in each pytester project registers a demo check (KAB99x codes are reserved for
these tests) so that outcomes, ids and rendering are tested independently of the real checks;
the real checks get their own tests and the fixture-project runs in test_projects.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pytest_kabul import registry

DEMO_CONFTEST = """
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.registry import Check, Evaluation, REGISTRY

if "KAB990" not in REGISTRY:
    demo = Check(code="KAB990", name="demo-problem", area=Area.PROJECT,
                 severity=Severity.ERROR, summary="A demo check for the plugin's own tests.")

    @demo.evaluator
    def evaluate(project):
        bad = Finding(code="KAB990", severity=Severity.ERROR, subject="app:bad",
                      message="'bad' is bad", remediation="Remove bad from app/x.py.",
                      location=Location("app/x.py", 3),
                      evidence=(Evidence(title="detail", text="line one\\nline two"),))
        meh = Finding(code="KAB990", severity=Severity.WARNING, subject="app:meh",
                      message="'meh' is questionable", remediation="Reconsider meh.",
                      location=Location("app/y.py", 9))
        return Evaluation.build(subjects=["app:ok"], findings=[bad, meh],
                                skipped={"app:odd": "cannot judge odd"})

    broken = Check(code="KAB991", name="demo-crash", area=Area.PROJECT,
                   severity=Severity.ERROR, summary="A demo check that crashes.")

    @broken.evaluator
    def crash(project):
        raise ValueError("boom")
"""


@pytest.fixture
def demo(pytester: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """A pytester project with the demo checks; the global registry is restored afterwards."""
    registry.all_checks()
    saved = dict(registry.REGISTRY)
    pytester.makeconftest(DEMO_CONFTEST)
    pytester.makepyprojecttoml('[project]\nname = "demo"\nversion = "0"\n')
    yield pytester
    registry.REGISTRY.clear()
    registry.REGISTRY.update(saved)


def _ids(result: pytest.RunResult) -> list[str]:
    return sorted(line.split(" ")[0] for line in result.outlines if line.startswith("kabul::KAB99"))


def test_items_are_parametrised_by_subject_with_outcomes(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "-v")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    assert _ids(result) == [
        "kabul::KAB990[app:bad]",
        "kabul::KAB990[app:meh]",
        "kabul::KAB990[app:odd]",
        "kabul::KAB990[app:ok]",
    ]


def test_failure_renders_findings_without_traceback(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990")
    out = result.stdout.str()
    assert "KAB990 app/x.py:3 'bad' is bad [error]" in out
    assert "  fix: Remove bad from app/x.py." in out
    assert "    line two" in out
    assert "Traceback" not in out
    assert "def kabul_check" not in out


def test_warning_below_fail_level_passes_but_is_listed(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "-k", "meh")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(["*findings below fail-level error*", "*KAB990 app/y.py:9*"])
    failing = demo.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB990", "-k", "meh", "--kabul-fail-level=warning"
    )
    failing.assert_outcomes(failed=1, deselected=3)


def test_json_report_schema(demo: pytest.Pytester) -> None:
    demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "--kabul-json=out/r.json")
    report = json.loads((demo.path / "out" / "r.json").read_text())
    assert report["schema"] == 1
    assert report["root"] == str(demo.path)
    assert [c["code"] for c in report["checks"]] == ["KAB990"]
    assert {k for c in report["checks"] for k in c} >= {"code", "name", "area", "severity"}
    assert report["findings"][0] == {
        "code": "KAB990",
        "severity": "error",
        "subject": "app:bad",
        "message": "'bad' is bad",
        "remediation": "Remove bad from app/x.py.",
        "path": "app/x.py",
        "line": 3,
        "evidence": [{"title": "detail", "text": "line one\nline two"}],
    }
    assert report["summary"]["items"] == {"passed": 2, "failed": 1, "skipped": 1}
    assert report["summary"]["by_severity"] == {"error": 1, "warning": 1}


def test_keyword_and_marker_selection(demo: pytest.Pytester) -> None:
    demo.makepyfile(test_own="def test_own():\n    pass\n")
    by_k = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "-k", "KAB990 and bad")
    by_k.assert_outcomes(failed=1, deselected=4)
    by_m = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "-m", "kabul")
    by_m.assert_outcomes(passed=2, failed=1, skipped=1, deselected=1)
    static = demo.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB990", "-m", "kabul and not kabul_live"
    )
    static.assert_outcomes(passed=2, failed=1, skipped=1, deselected=1)


def test_last_failed_reruns_only_the_failed_check(demo: pytest.Pytester) -> None:
    demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990")
    again = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "--lf", "-v")
    again.assert_outcomes(failed=1, deselected=3)
    assert _ids(again) == ["kabul::KAB990[app:bad]"]


def test_xdist_gives_the_same_outcome(demo: pytest.Pytester) -> None:
    serial = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "--kabul-json=a.json")
    parallel = demo.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB990", "-n", "2", "--kabul-json=b.json"
    )
    parallel.assert_outcomes(passed=2, failed=1, skipped=1)
    a = json.loads((demo.path / "a.json").read_text())
    b = json.loads((demo.path / "b.json").read_text())
    assert a["findings"] == b["findings"]
    assert a["results"] == b["results"]
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED


def test_readiness_runs_with_the_projects_own_tests_whatever_testpaths(
    demo: pytest.Pytester,
) -> None:
    demo.makepyprojecttoml(
        '[project]\nname = "demo"\nversion = "0"\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    demo.mkdir("tests").joinpath("test_own.py").write_text("def test_own():\n    pass\n")
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "-v")
    result.assert_outcomes(passed=3, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*tests/test_own.py::test_own PASSED*"])


def test_kabul_only_never_imports_the_projects_tests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("raise RuntimeError('project conftest was imported')\n")
    tests = pytester.mkdir("tests")
    tests.joinpath("conftest.py").write_text("raise RuntimeError('tests conftest was imported')\n")
    tests.joinpath("test_broken.py").write_text("raise RuntimeError('test module was imported')\n")
    pytester.mkdir("backend").joinpath("pyproject.toml").write_text("[project\nname =")
    result = pytester.runpytest("--kabul-only", "--kabul-select", "KAB001", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*kabul::KAB001[[]backend/pyproject.toml[]] FAILED*"])
    assert "was imported" not in result.stdout.str() + result.stderr.str()


def test_a_crashing_check_fails_only_its_item(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB99")
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*internal error in KAB991 demo-crash*", "*ValueError: boom*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_nothing_collected_is_a_usage_error(demo: pytest.Pytester) -> None:
    # A tie between select and ignore goes to ignore (longest match wins otherwise).
    result = demo.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB990", "--kabul-ignore", "KAB990"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no readiness check was collected*"])


def test_unknown_code_is_a_usage_error_listing_valid_codes(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB777")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown check code 'KAB777'*valid:*KAB001*KAB990*"])


def test_unknown_config_key_is_a_usage_error_naming_the_file(demo: pytest.Pytester) -> None:
    demo.makepyprojecttoml('[project]\nname = "demo"\n[tool.kabul]\ncolour = "red"\n')
    result = demo.runpytest("--kabul-readiness")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "pyproject.toml: [tool.kabul]: unknown key 'colour'; valid keys:" in err
    assert "fail_level, ignore, import_map, live" in err


def test_longest_match_wins_between_select_and_ignore(demo: pytest.Pytester) -> None:
    result = demo.runpytest(
        "--kabul-readiness", "--kabul-select", "KAB990", "--kabul-ignore", "KAB9"
    )
    result.assert_outcomes(passed=2, failed=1, skipped=1)


def test_config_select_and_cli_precedence(demo: pytest.Pytester) -> None:
    demo.makepyprojecttoml('[project]\nname = "demo"\n[tool.kabul]\nselect = ["KAB991"]\n')
    from_file = demo.runpytest("--kabul-readiness")
    from_file.assert_outcomes(failed=1)
    from_cli = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990")
    from_cli.assert_outcomes(passed=2, failed=1, skipped=1)


def test_kabul_toml_is_read_when_there_is_no_pyproject_table(demo: pytest.Pytester) -> None:
    (demo.path / "kabul.toml").write_text('select = ["KAB991"]\n')
    demo.runpytest("--kabul-readiness").assert_outcomes(failed=1)


def test_without_the_flag_nothing_is_added(demo: pytest.Pytester) -> None:
    demo.makepyfile(test_own="def test_own():\n    pass\n")
    result = demo.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert "kabul::" not in result.stdout.str()


def test_markers_are_registered(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.kabul:*", "@pytest.mark.kabul_live:*"])


def test_terminal_summary_counts_per_area_and_names_the_json(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--kabul-readiness", "--kabul-select", "KAB990", "--kabul-json=r.json")
    result.stdout.fnmatch_lines(
        [
            "*kabul readiness*",
            "area*passed*failed*",
            "project*2*1*1*",
            "JSON report written to r.json",
        ]
    )
