"""The session hands pytest's cache folder to the project (per-file records, issue 17): findings
are the same cold, warm, serial and under xdist, and ``--cache-clear`` clears the records."""

from __future__ import annotations

import json

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
