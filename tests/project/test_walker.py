"""The walk's per-folder cache: a warm walk lists no unchanged folder, and after any change it
finds exactly what a walk without a cache finds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.project import walker
from pytest_kabul.project.walker import WalkResult, walk
from tests.helpers import write_file

TICK = 0.015  # longer than the kernel's coarse clock tick, which stamps change times


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel in [
        "backend/app/main.py",
        "backend/app/api/routes.py",
        "backend/app/api/deep/more/leaf.py",
        "backend/pyproject.toml",
        "backend/build/out.py",
        "web/package.json",
        "web/src/page.tsx",
        "web/src/page.test.tsx",
        "web/dist/bundle.js",
        "logs/today.log",
        "{{cookiecutter.slug}}/app.py",
    ]:
        write_file(root, rel)
    write_file(root, ".gitignore", "*.log\n")
    write_file(root, "web/.gitignore", "*.test.tsx\n")
    return root


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders the walk lists (``os.scandir`` calls), with a short racy window."""
    monkeypatch.setattr(walker, "RACY_NS", int(TICK * 1e9 / 2))
    seen: list[str] = []
    real = os.scandir

    def scandir(path: Any) -> Any:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(walker.os, "scandir", scandir)
    return seen


def _cached(root: Path, cache: Path) -> WalkResult:
    time.sleep(TICK)  # every change above is older than the walk by more than the racy window
    return walk(root, (), cache)


def test_a_warm_walk_lists_no_unchanged_folder(
    tree: Path, tmp_path: Path, listed: list[str]
) -> None:
    cold = _cached(tree, tmp_path / "cache")
    assert len(listed) == 10  # every folder entered, none of the ignored or skipped ones
    listed.clear()
    warm = _cached(tree, tmp_path / "cache")
    assert listed == []
    assert warm == cold == walk(tree)
    assert "web/src/page.test.tsx" not in warm.files
    assert warm.templates == ("{{cookiecutter.slug}}/app.py",)


def _edit_gitignore_in_place(root: Path) -> None:
    with open(root / ".gitignore", "a") as f:  # same inode, same folder: only the file changed
        f.write("api/\n")


def _new_nested_gitignore(root: Path) -> None:
    write_file(root, "backend/app/.gitignore", "routes.py\n")


def _rename_folder(root: Path) -> None:
    (root / "backend" / "app" / "api").rename(root / "backend" / "app" / "endpoints")


def _becomes_a_virtualenv(root: Path) -> None:
    write_file(root, "backend/app/api/pyvenv.cfg", "home = /usr\n")


def _link_to_file_then_folder(root: Path) -> None:
    (root / "web" / "target").write_text("x\n")
    os.symlink("target", root / "web" / "data")


def _unignore_by_negation(root: Path) -> None:
    (root / "web" / ".gitignore").write_text("*.test.tsx\n!page.test.tsx\n")


CHANGES: dict[str, Callable[[Path], None]] = {
    "new file deep down": lambda r: write_file(r, "backend/app/api/deep/more/new.py"),
    "file removed": lambda r: (r / "backend/app/api/routes.py").unlink(),
    "gitignore edited in place": _edit_gitignore_in_place,
    "gitignore re-includes a file": _unignore_by_negation,
    "new nested gitignore": _new_nested_gitignore,
    "folder renamed": _rename_folder,
    "folder becomes a virtualenv": _becomes_a_virtualenv,
    "build folder no longer at an app root": lambda r: (r / "web/package.json").unlink(),
    "symlink added": _link_to_file_then_folder,
    "template folder gains a file": lambda r: write_file(r, "{{cookiecutter.slug}}/b.py"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_after_a_change_the_warm_walk_equals_a_fresh_one(
    tree: Path, tmp_path: Path, listed: list[str], change: str
) -> None:
    before = _cached(tree, tmp_path / "cache")
    time.sleep(TICK)
    CHANGES[change](tree)
    after = _cached(tree, tmp_path / "cache")
    assert after == walk(tree)
    assert after != before  # every change above changes what the walk finds


def test_a_symlink_retargeted_without_its_folder_changing_is_seen(
    tree: Path, tmp_path: Path, listed: list[str]
) -> None:
    (tree / "shared").mkdir()
    (tree / "shared" / "target").write_text("x\n")
    os.symlink("../shared/target", tree / "web" / "data")
    first = _cached(tree, tmp_path / "cache")
    assert "web/data" in first.files
    (tree / "shared" / "target").unlink()  # web/ itself does not change
    (tree / "shared" / "target").mkdir()  # the link now names a folder: never followed
    assert "web/data" not in _cached(tree, tmp_path / "cache").files


def test_a_folder_changed_within_the_racy_window_is_listed_again(
    tree: Path, tmp_path: Path, listed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(walker, "RACY_NS", 3600 * 10**9)  # every change is "just now"
    walk(tree, (), tmp_path / "cache")
    listed.clear()
    walk(tree, (), tmp_path / "cache")
    assert len(listed) == 10


@pytest.mark.parametrize("content", ["", "{", '{"key": 1}', "[]", '{"key": null, "folders": 3}'])
def test_a_damaged_store_means_a_full_walk(
    tree: Path, tmp_path: Path, listed: list[str], content: str
) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / walker.FILENAME).write_text(content)
    assert _cached(tree, tmp_path / "cache") == walk(tree)


def test_a_damaged_folder_entry_is_listed_again_with_what_is_under_it(
    tree: Path, tmp_path: Path, listed: list[str]
) -> None:
    cold = _cached(tree, tmp_path / "cache")
    store = tmp_path / "cache" / walker.FILENAME
    store.write_text(store.read_text().replace('"backend/app":[', '"backend/app":["x",', 1))
    listed.clear()
    assert _cached(tree, tmp_path / "cache") == cold
    app = tree / "backend" / "app"
    assert listed == [str(app / sub) for sub in ("", "api", "api/deep", "api/deep/more")]


def test_other_exclude_globs_walk_afresh(tree: Path, tmp_path: Path, listed: list[str]) -> None:
    _cached(tree, tmp_path / "cache")
    result = walk(tree, ("web",), tmp_path / "cache")
    assert not any(f.startswith("web/") for f in result.files)
    assert result == walk(tree, ("web",))
