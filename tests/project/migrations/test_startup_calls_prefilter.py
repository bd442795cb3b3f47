"""reach() skips the call walk when no module names create_all/upgrade: same answer as the walk."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations import startup_calls
from pytest_kabul.project.migrations.startup_calls import Reach, reach

PROJECTS = Path(__file__).resolve().parents[2] / "projects"
TREES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())


def _reach(root: Path, rels: list[str]) -> Reach:
    return reach(Project(root), rels, scripts=rels)


@pytest.mark.parametrize("name", TREES)
def test_prefiltered_reach_equals_the_full_walk(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = PROJECTS / name
    rels = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.py"))]
    fast = _reach(root, rels)
    monkeypatch.setattr(startup_calls, "may_bootstrap", lambda *a, **k: True)  # full walk
    assert _reach(root, rels) == fast


def test_a_database_import_without_bootstrap_calls_is_still_seen(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text("from sqlalchemy import select\n")
    (tmp_path / "main.py").write_text("import db\n")
    assert reach(Project(tmp_path), ["db.py", "main.py"]) == Reach((), (), True)
    assert reach(Project(tmp_path), ["main.py"]) == Reach((), (), False)


def test_parse_python_without_keeping_the_tree(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\n")
    (tmp_path / "bad.py").write_text("def f(:\n")
    project = Project(tmp_path)
    assert project.parse_python("a.py", keep=False) is not None
    assert "a.py" not in project._trees
    assert project.parse_python("bad.py", keep=False) is None
    assert project._trees == {"bad.py": None}  # a failure is remembered (one Problem)
    assert [p.path for p in project.problems] == ["bad.py"]
