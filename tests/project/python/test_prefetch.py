"""Import records computed on forked workers (``--kabul-jobs``): every evaluation is the same as
a serial run's, cold and warm, problems included, and no worker outlives the scan."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.python import prefetch
from pytest_kabul.project.python.imports import imports_in
from pytest_kabul.registry import Evaluation, all_checks

PROJECTS = Path(__file__).resolve().parents[2] / "projects"

# Files each taking another road through the import scan: the lexical scan, the parse fallback
# (TYPE_CHECKING), a dynamic import, a PEP 723 block, an environment read, a syntax error, a
# file that is not UTF-8 and a malformed script block (the last three report problems).
EXTRA = {
    "backend/app/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    import stripe\nimport sentry_sdk\n",
    "backend/app/dynamic.py": "import importlib\nmod = importlib.import_module('jose')\n",
    "backend/app/envy.py": "import os\nTOKEN = os.environ.get('PAYMENT_TOKEN')\n",
    "backend/scripts/tool.py": "# /// script\n# dependencies = ['rich']\n# ///\nimport rich\n",
    "backend/app/broken.py": "def f(:\n    import boto3\n",
    "backend/scripts/bad_block.py": "# /// script\n# dependencies = [\n# ///\nimport rich\n",
}


def _evaluate(root: Path, jobs: int, cache: Path | None = None) -> tuple[dict[str, object], object]:
    project = Project(root, jobs=jobs, cache_dir=cache)
    results: dict[str, object] = {}
    for check in all_checks():
        if check.live:
            results[check.code] = check.list_subjects(project) if check._lister else None
        elif not check.opt_in:
            results[check.code] = check.evaluate(project)
    project.records.save()
    return results, sorted(project.problems, key=repr)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "sweetshop"
    shutil.copytree(PROJECTS / "sweetshop", root)
    for rel, text in EXTRA.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "backend/app/latin1.py").write_bytes(b"# caf\xe9\nimport os\n")
    return root


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Any tree is large enough for the pool; the list collects how many records workers made."""
    monkeypatch.setattr(prefetch, "MIN_FILES", 1)
    adopted: list[int] = []
    real = prefetch.prefetch_imports

    def counting(project: Project, paths: object) -> int:
        n = real(project, paths)  # type: ignore[arg-type]
        adopted.append(n)
        return n

    for module in ("pytest_kabul.project.python.usages", "pytest_kabul.project.deploy.entries"):
        monkeypatch.setattr(f"{module}.prefetch_imports", counting)
    return adopted


@pytest.mark.skipif(not prefetch.can_fork(), reason="needs the fork start method")
def test_parallel_evaluations_equal_serial_ones_cold_and_warm(
    shop: Path, tmp_path: Path, pooled: list[int]
) -> None:
    serial = _evaluate(shop, jobs=1)
    assert pooled == [0] * len(pooled)  # one job: the pool is never used
    parallel = _evaluate(shop, jobs=2, cache=tmp_path / "cache")
    assert sum(pooled) >= 40  # the workers computed the records of most modules
    assert parallel == serial
    pooled.clear()
    warm = _evaluate(shop, jobs=2, cache=tmp_path / "cache")  # records from the first run
    assert sum(pooled) == 0
    assert warm == serial
    findings = sum(len(r.findings) for r in serial[0].values() if isinstance(r, Evaluation))
    assert findings > 3
    problems = {p.path for p in serial[1]}  # type: ignore[attr-defined]
    assert {"backend/app/broken.py", "backend/scripts/bad_block.py"} <= problems


@pytest.mark.skipif(not prefetch.can_fork(), reason="needs the fork start method")
def test_workers_are_gone_when_the_prefetch_returns(shop: Path, pooled: list[int]) -> None:
    project = Project(shop, jobs=2)
    paths = sorted(f for f in project.files if f.endswith(".py"))
    assert prefetch.prefetch_imports(project, paths) > 0
    assert multiprocessing.active_children() == []
    assert imports_in(project, "backend/app/typed.py") is not None
    assert "backend/app/typed.py" not in project._texts  # taken from the worker's record


@pytest.mark.skipif(not prefetch.can_fork(), reason="needs the fork start method")
def test_the_workers_ship_the_texts_they_read_compressed(shop: Path, pooled: list[int]) -> None:
    project = Project(shop, jobs=2)
    paths = sorted(f for f in project.files if f.endswith(".py"))
    assert prefetch.prefetch_imports(project, paths) > 0
    shipped = set(project._packed)
    texts = {rel: (shop / rel).read_text(encoding="utf-8-sig") for rel in shipped}
    assert "backend/app/typed.py" in shipped
    assert "backend/app/broken.py" not in shipped  # a problem: the parent reads it itself
    for rel in shipped:
        (shop / rel).unlink()  # not read again: the worker's copy answers
    assert {rel: project.read_text(rel) for rel in shipped} == texts
    assert shipped <= project.inputs()


def _dying(chunk: list[str]) -> list[tuple[str, dict[str, object] | None]]:
    """A worker killed while it computes (the OOM killer, say)."""
    if "backend/app/typed.py" in chunk:
        os._exit(3)
    return _real_work(chunk)  # type: ignore[return-value]


_real_work = prefetch._work


@pytest.mark.skipif(not prefetch.can_fork(), reason="needs the fork start method")
def test_a_worker_that_dies_leaves_its_files_to_the_parent(
    shop: Path, pooled: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _evaluate(shop, jobs=1)
    monkeypatch.setattr(prefetch, "CHUNK", 4)  # several tasks: some finish, one kills its worker
    monkeypatch.setattr(prefetch, "_work", _dying)
    assert _evaluate(shop, jobs=2) == serial  # no hang, nothing lost
    modules = sum(1 for _ in shop.rglob("*.py"))
    assert 0 < sum(pooled) < modules - 4  # the chunks before the dead one were adopted
    assert multiprocessing.active_children() == []


def test_no_pool_with_another_thread_running(shop: Path, pooled: list[int]) -> None:
    project = Project(shop, jobs=2)
    paths = sorted(f for f in project.files if f.endswith(".py"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert prefetch.prefetch_imports(project, paths) == 0  # forking it could deadlock
    finally:
        stop.set()
        other.join()


def test_kabul_jobs_must_be_a_number(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    result = pytester.runpytest("--kabul-jobs", "many")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--kabul-jobs*expected a number of processes*'many'*"])
    assert pytester.runpytest("--kabul-jobs", "1").ret == pytest.ExitCode.OK
