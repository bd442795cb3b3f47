"""A forked helper judges the storage, migration and scaling checks of a large project: every
evaluation, problem and report is the serial run's, and no helper outlives its session."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from pytest_kabul import helper
from pytest_kabul.evaluations import Evaluations
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.prefetch import can_fork
from pytest_kabul.registry import Check, Evaluation, all_checks
from tests.helpers import PROJECTS, run_kabul

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs the fork start method")

EXTRA = {
    "backend/app/broken.py": "def f(:\n    import boto3\n",  # a problem only a parse finds
    "backend/app/envy.py": "import os\nTOKEN = os.environ.get('PAYMENT_TOKEN')\n",
}


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "sweetshop"
    shutil.copytree(PROJECTS / "sweetshop", root)
    for rel, text in EXTRA.items():
        (root / rel).write_text(text)
    return root


def _static() -> list[Check]:
    return [c for c in all_checks() if not c.live and not c.opt_in]


def _judge(root: Path, jobs: int) -> tuple[dict[str, Evaluation], list[object], bool]:
    """Every static evaluation as a session asks for them (listings of deferred checks first,
    KAB001 last), the problems, and whether a helper ran."""
    project = Project(root, jobs=jobs)
    evaluations = Evaluations(project, None)
    started = evaluations.start_helper(_static())
    out: dict[str, Evaluation] = {}
    checks = sorted(_static(), key=lambda c: (c.code == "KAB001", c.code))
    for check in checks:
        if check.deferred:
            out[f"list:{check.code}"] = evaluations.list_subjects(check)
        out[f"evaluate:{check.code}"] = evaluations.evaluate(check)
    evaluations.save()
    return out, sorted(project.problems, key=repr), started


def test_a_helper_judges_as_the_serial_run_does(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)  # the fixture is small
    serial, serial_problems, none = _judge(shop, 1)
    helped, helped_problems, started = _judge(shop, 2)
    assert not none
    assert started
    assert helped == serial
    assert helped_problems == serial_problems
    assert any(p.path == "backend/app/broken.py" for p in serial_problems)  # type: ignore[attr-defined]
    assert serial["evaluate:KAB601"].subjects  # the helper's areas had something to judge
    assert multiprocessing.active_children() == []


def test_what_the_helper_adopts(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)
    project = Project(shop, jobs=2)
    evaluations = Evaluations(project, None)
    assert evaluations.start_helper(_static())
    kab601 = next(c for c in _static() if c.code == "KAB601")
    evaluations.list_subjects(kab601)  # joins: the helper judged it
    assert "evaluate:KAB601" in evaluations._new
    assert project._elsewhere  # the facets it built: KAB001 does not build them again
    assert "pytest_kabul.project.python.models_sqla.sqla_models" in project._elsewhere
    assert "pytest_kabul.project.python.models_sqla.sqla_models" not in project._facets
    assert any(rel.endswith(".py") for rel in project.inputs())  # what its judgements read


def test_a_check_that_fails_in_the_helper_is_judged_again_here(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)
    parent = os.getpid()
    kab302 = next(c for c in _static() if c.code == "KAB302")
    real = kab302._evaluator
    assert real is not None

    def flaky(project: Project) -> Evaluation:
        if os.getpid() != parent:
            raise RuntimeError("only in the helper")
        return real(project)

    serial, _, _ = _judge(shop, 1)
    monkeypatch.setattr(kab302, "_evaluator", flaky)
    helped, _, started = _judge(shop, 2)
    assert started
    assert helped["evaluate:KAB302"] == serial["evaluate:KAB302"]


def test_a_helper_that_dies_leaves_every_check_to_the_parent(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)

    def dying(project: Project, keys: list[str]) -> helper.Judged:
        os._exit(3)  # the OOM killer, say

    serial, serial_problems, _ = _judge(shop, 1)
    monkeypatch.setattr(helper, "_judge", dying)
    helped, helped_problems, started = _judge(shop, 2)
    assert started
    assert helped == serial
    assert helped_problems == serial_problems
    assert multiprocessing.active_children() == []


def test_no_helper_for_one_job_a_small_tree_or_a_stored_answer(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not Evaluations(Project(shop, jobs=2), None).start_helper(_static())  # small
    monkeypatch.setattr(helper, "MIN_FILES", 0)
    assert not Evaluations(Project(shop, jobs=1), None).start_helper(_static())
    evaluations = Evaluations(Project(shop, jobs=2), None)
    evaluations._stored = {f"evaluate:{c.code}": {} for c in helper.helped(_static())}
    assert not evaluations.start_helper(_static())  # the store answers them all


def test_an_unfinished_session_stops_its_helper(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)
    evaluations = Evaluations(Project(shop, jobs=2), None)
    assert evaluations.start_helper(_static())
    evaluations.save()  # nothing asked for: an error or Ctrl-C ended collection
    assert multiprocessing.active_children() == []


def test_a_large_project_reports_the_same_with_a_helper(tmp_path: Path) -> None:
    """End to end, in a real session: 250 more modules make the tree large enough."""
    root = tmp_path / "sweetshop"
    shutil.copytree(PROJECTS / "sweetshop", root)
    gen = root / "backend" / "app" / "generated"
    gen.mkdir()
    (gen / "__init__.py").write_text("")
    for i in range(250):
        (gen / f"m{i}.py").write_text(f"import os\n\n\ndef f{i}():\n    return os.sep\n")
    static = ("-m", "kabul and not kabul_live")  # live results vary with the machine
    runs = [run_kabul(root, *static, f"--kabul-jobs={jobs}")[1] for jobs in (1, 2)]
    for report in runs:
        for result in report["results"]:
            result.pop("duration", None)
    assert runs[0]["results"] == runs[1]["results"]
    assert runs[0]["findings"] == runs[1]["findings"]
    assert runs[0]["summary"] == runs[1]["summary"]


def test_a_result_that_cannot_be_sent_is_judged_here_and_nothing_is_printed(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(helper, "MIN_FILES", 0)
    real = helper._judge

    def unpicklable(project: Project, keys: list[str]) -> helper.Judged:
        judged = real(project, keys)
        judged.evaluations["evaluate:KAB601"] = lambda: None  # type: ignore[assignment]
        return judged

    serial, serial_problems, _ = _judge(shop, 1)
    capfd.readouterr()
    monkeypatch.setattr(helper, "_judge", unpicklable)
    helped, helped_problems, started = _judge(shop, 2)
    assert started
    assert helped == serial
    assert helped_problems == serial_problems
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # no traceback from the helper (it could quote the project)
