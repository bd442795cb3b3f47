"""Per-file records kept between runs (pytest_kabul.project.records): a warm run gives exactly
the findings of a cold one, re-reads only changed files, and ignores a cache it did not write."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.records import FILENAME
from pytest_kabul.registry import all_checks

SWEETSHOP = Path(__file__).resolve().parents[1] / "projects" / "sweetshop"
OLD = 1_600_000_000  # a file time long before any cache write (not "racily clean")


def _static_findings(project: Project) -> list[str]:
    out = [repr(c.evaluate(project)) for c in all_checks() if not c.live]
    project.load_all()
    return [*out, repr(project.problems)]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "sweetshop"
    shutil.copytree(SWEETSHOP, root, symlinks=True)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            os.utime(Path(folder, name), (OLD, OLD), follow_symlinks=False)
    return root


def test_cold_warm_and_uncached_runs_find_the_same(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    uncached = _static_findings(Project(tree))
    cold = Project(tree, cache_dir=cache)
    assert _static_findings(cold) == uncached
    assert cold.records.hits == 0
    assert (cache / FILENAME).is_file()

    warm = Project(tree, cache_dir=cache)
    assert _static_findings(warm) == uncached
    assert warm.records.hits > 0


def test_a_warm_dependency_scan_uses_the_stored_imports(tree: Path, tmp_path: Path) -> None:
    from pytest_kabul.checks.dependencies import python_import_undeclared

    cache = tmp_path / "cache"
    cold = Project(tree, cache_dir=cache)
    expected = python_import_undeclared.check.evaluate(cold)
    warm = Project(tree, cache_dir=cache)
    assert python_import_undeclared.check.evaluate(warm) == expected
    assert warm.records.hits > 0
    # (Not asserted: that no module is read. The runtime model's reachability walk still reads
    # and parses the entry modules itself; routing it through the records is issue 17's rest.)


def test_a_changed_file_is_read_again(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _static_findings(Project(tree, cache_dir=cache))
    module = tree / "backend" / "app" / "api" / "routes" / "images.py"
    module.write_text(module.read_text() + "\nimport stripe\n")
    os.utime(module, (OLD, OLD))  # same time: the size still tells it changed

    warm = _static_findings(Project(tree, cache_dir=cache))
    assert warm == _static_findings(Project(tree))
    assert any("sweetshop-backend:stripe" in row or ":stripe" in row for row in warm)


def test_same_size_and_time_but_newer_than_the_cache_is_confirmed_by_its_text(
    tree: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    module = tree / "backend" / "app" / "api" / "routes" / "images.py"
    os.utime(module)  # now: within the clock tick of the cache write ("racily clean")
    _static_findings(Project(tree, cache_dir=cache))
    text = module.read_text()
    swapped = text.replace("import base64", "import stripe", 1)
    assert len(swapped) == len(text)  # same size
    assert swapped != text
    stat = module.stat()
    module.write_text(swapped)
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and same time

    assert _static_findings(Project(tree, cache_dir=cache)) == _static_findings(Project(tree))


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"version": "0.0.0/0/py0.0", "root": "/", "files": {}}),
        json.dumps({"version": None, "files": {"a.py": {"imports": [["x"]]}}}),
    ],
)
def test_a_foreign_or_damaged_cache_is_ignored(tree: Path, tmp_path: Path, content: str) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / FILENAME).write_text(content)
    project = Project(tree, cache_dir=cache)
    assert _static_findings(project) == _static_findings(Project(tree))
    assert project.records.hits == 0


def test_damaged_records_of_the_right_version_are_recomputed(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _static_findings(Project(tree, cache_dir=cache))
    data = json.loads((cache / FILENAME).read_text())
    for record in data["files"].values():
        if "imports" in record:
            record["imports"] = [["only", "three", "fields"]]
    (cache / FILENAME).write_text(json.dumps(data))
    assert _static_findings(Project(tree, cache_dir=cache)) == expected


def test_records_of_deleted_files_are_dropped(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _static_findings(Project(tree, cache_dir=cache))
    stored = json.loads((cache / FILENAME).read_text())["files"]
    gone = "backend/app/api/routes/images.py"
    assert gone in stored
    (tree / gone).unlink()
    _static_findings(Project(tree, cache_dir=cache))
    assert gone not in json.loads((cache / FILENAME).read_text())["files"]
