"""The session hands pytest's cache folder to the project (per-file records, issue 17): findings
are the same cold, warm, serial and under xdist, and ``--cache-clear`` clears the records."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

RUN = ("--kabul-only", "--kabul-select", "KAB101", "-p", "no:randomly")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(
        '[project]\nname = "shop"\nversion = "0"\ndependencies = ["requests"]\n'
    )
    pytester.mkpydir("shop")
    (pytester.path / "shop" / "main.py").write_text(
        "import requests\nimport stripe\n\ntry:\n    import ujson\nexcept ImportError:\n"
        "    ujson = None\n"
    )
    return pytester


def _findings(pytester: pytest.Pytester, name: str) -> list[object]:
    findings: list[object] = json.loads((pytester.path / name).read_text())["findings"]
    return findings


def test_cold_warm_serial_and_parallel_runs_agree(project: pytest.Pytester) -> None:
    records = project.path / ".pytest_cache" / "d" / "kabul" / "file-records.json"
    project.runpytest(*RUN, "--kabul-json=cold.json")
    assert records.is_file()
    stored = json.loads(records.read_text())["files"]
    assert "imports" in stored["shop/main.py"]

    project.runpytest(*RUN, "--kabul-json=warm.json")
    project.runpytest(*RUN, "-n", "2", "--kabul-json=parallel.json")
    project.runpytest(*RUN, "-p", "no:cacheprovider", "--kabul-json=uncached.json")
    cold = _findings(project, "cold.json")
    assert sorted(str(f["subject"]).split(":")[-1] for f in cold) == ["stripe", "ujson"]  # type: ignore[index]
    for other in ("warm.json", "parallel.json", "uncached.json"):
        assert _findings(project, other) == cold


def test_cache_clear_clears_the_records(project: pytest.Pytester) -> None:
    project.runpytest(*RUN)
    folder = project.path / ".pytest_cache" / "d" / "kabul"
    (folder / "file-records.json").write_text("{}")
    project.runpytest(*RUN, "--cache-clear")
    assert json.loads((folder / "file-records.json").read_text())["files"]  # written afresh


def _age(root: Path) -> None:
    when = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        if ".pytest_cache" not in path.parts:
            os.utime(path, (when, when), follow_symlinks=False)


def test_a_warm_session_reuses_the_evaluations_and_reports_the_same(
    project: pytest.Pytester,
) -> None:
    run = ("--kabul-only", "-p", "no:randomly", "-m", "kabul and not kabul_live")
    _age(project.path)
    report = project.path / "readiness.json"  # written into the tree, as teams do, every run
    reports = []
    outcomes = []
    for extra in ((), (), ("-n", "2"), ("--cache-clear",)):
        junit = f"--junitxml={project.path / 'readiness.xml'}"
        result = project.runpytest(*run, *extra, f"--kabul-json={report}", junit)
        outcomes.append((result.ret, "reused from .pytest_cache" in result.stdout.str()))
        reports.append(json.loads(report.read_text()))
    # cold; warm; xdist workers warm too (the controller prints no count); cleared: cold again
    assert [reused for _ret, reused in outcomes] == [False, True, False, False]
    assert len({ret for ret, _reused in outcomes}) == 1
    assert reports[0]["findings"]
    for other in reports[1:]:
        assert other["findings"] == reports[0]["findings"]
        assert other["results"] == reports[0]["results"]
        assert other["summary"] == reports[0]["summary"]


def test_an_edit_between_sessions_is_judged(project: pytest.Pytester) -> None:
    _age(project.path)
    project.runpytest(*RUN, "--kabul-json=before.json")
    main = project.path / "shop" / "main.py"
    main.write_text(main.read_text() + "import sentry_sdk\n")
    when = time.time() - 60
    os.utime(main, (when, when))
    after = project.runpytest(*RUN, "--kabul-json=after.json")
    assert "reused from .pytest_cache" not in after.stdout.str()
    subjects = sorted(str(f["subject"]).split(":")[-1] for f in _findings(project, "after.json"))  # type: ignore[index]
    assert subjects == ["sentry-sdk", "stripe", "ujson"]
