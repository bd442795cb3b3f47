"""The evaluation store (issue 17, warm runs): an unchanged tree is not judged again, any change
to what an evaluation was computed from is, and nothing secret is stored."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.evaluations import FILENAME, Evaluations
from pytest_kabul.project.core import Project
from pytest_kabul.redact import REDACTOR
from pytest_kabul.registry import Check, Evaluation, all_checks

PROJECTS = Path(__file__).parent / "projects"


def backdate(root: Path, seconds: int = 3600) -> None:
    """Files written a moment ago are 'racily clean' and never stored: age the tree."""
    when = time.time() - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when), follow_symlinks=False)


def _checks(*codes: str) -> list[Check]:
    by_code = {c.code: c for c in all_checks()}
    return [by_code[code] for code in codes]


def _run(root: Path, cache: Path, checks: list[Check]) -> tuple[Evaluations, dict[str, object]]:
    evaluations = Evaluations(Project(root), cache)
    results: dict[str, object] = {c.code: evaluations.evaluate(c) for c in checks}
    evaluations.save()
    return evaluations, results


def _stored(cache: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((cache / FILENAME).read_text())
    return data


def _store(cache: Path, data: dict[str, Any]) -> None:
    (cache / FILENAME).write_text(json.dumps(data))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "sweetshop"
    shutil.copytree(PROJECTS / "sweetshop", root)
    backdate(root)
    return root


def test_a_warm_run_reuses_every_evaluation_and_agrees_with_the_cold_one(
    shop: Path, tmp_path: Path
) -> None:
    checks = [c for c in all_checks() if not c.opt_in]
    cache = tmp_path / "cache"
    cold, cold_results = _run(shop, cache, checks)
    assert cold.hits == 0
    assert (cache / FILENAME).is_file()
    warm, warm_results = _run(shop, cache, checks)
    assert warm.hits == len(checks)
    assert set(warm_results) == set(cold_results)
    for code, cold_result in cold_results.items():
        warm_result = warm_results[code]
        assert isinstance(cold_result, Evaluation)
        assert isinstance(warm_result, Evaluation)
        # stored redacted, as every writer shows them (the redactor masks idempotently)
        assert REDACTOR.findings(warm_result.findings) == REDACTOR.findings(cold_result.findings)
        assert replace(warm_result, findings=()) == replace(cold_result, findings=())
    assert sum(len(getattr(r, "findings", ())) for r in warm_results.values()) > 3


def test_editing_a_file_judges_afresh(shop: Path, tmp_path: Path) -> None:
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _, before = _run(shop, cache, checks)
    main = next(p for p in shop.rglob("*.py") if "import" in p.read_text())
    main.write_text(main.read_text() + "\nimport undeclared_thing_xyz\n")
    backdate(shop)  # even with the old time back, the size changed
    again, after = _run(shop, cache, checks)
    assert again.hits == 0
    assert after != before


def test_a_file_the_walk_leaves_out_still_counts(shop: Path, tmp_path: Path) -> None:
    """A git-ignored ``.env`` is not in the file index, but adding one changes its folder."""
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    with (shop / ".gitignore").open("a") as ignore:
        ignore.write("\n.env\n")
    backdate(shop)
    _run(shop, cache, checks)
    stored, _ = _run(shop, cache, checks)
    assert stored.hits == 1
    (shop / ".env").write_text("X=1\n")
    os.utime(shop / ".env", (time.time() - 100, time.time() - 100))
    assert ".env" not in Project(shop).files
    again, _ = _run(shop, cache, checks)
    assert again.hits == 0


def test_an_input_outside_the_index_is_checked(shop: Path, tmp_path: Path) -> None:
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _run(shop, cache, checks)
    stored = _stored(cache)
    stored["files"]["ignored/read.txt"] = [3, 1, "0" * 32]  # as if the model had read it then
    _store(cache, stored)
    again, _ = _run(shop, cache, checks)
    assert again.hits == 0  # it is absent now: the stored result is not trusted


def _a_module(root: Path) -> Path:
    return next(p for p in sorted(root.rglob("*.py")) if "import" in p.read_text())


def test_a_file_read_just_after_it_was_written_is_not_stored(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    shutil.copytree(PROJECTS / "sweetshop", root)
    backdate(root)
    module = _a_module(root)
    module.write_text(module.read_text() + "\n")  # a later edit in the same tick could keep it
    cache = tmp_path / "cache"
    _run(root, cache, _checks("KAB101"))
    assert not (cache / FILENAME).exists()


def test_a_fresh_checkout_is_confirmed_by_content(shop: Path, tmp_path: Path) -> None:
    """CI restores .pytest_cache into a new clone: every time differs, the contents do not."""
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _, before = _run(shop, cache, checks)
    backdate(shop, seconds=600)  # every file "checked out" again
    again, after = _run(shop, cache, checks)
    assert again.hits == 1
    assert after == before
    stored = _stored(cache)["files"]
    rel = _a_module(shop).relative_to(shop).as_posix()
    assert stored[rel][1] == (shop / rel).stat().st_mtime_ns  # refreshed: next time by stat


def test_a_same_size_edit_in_the_stores_clock_tick_is_caught(shop: Path, tmp_path: Path) -> None:
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _run(shop, cache, checks)
    module = _a_module(shop)
    stat = module.stat()
    text = module.read_text()
    module.write_text(text.replace("import", "imporT", 1))  # same size
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time
    stored = _stored(cache)
    stored["written_ns"] = stat.st_mtime_ns + 1_000_000  # stored in the file's clock tick
    _store(cache, stored)
    again, _ = _run(shop, cache, checks)
    assert again.hits == 0


def test_other_configuration_or_a_damaged_store_judges_afresh(shop: Path, tmp_path: Path) -> None:
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _run(shop, cache, checks)
    other = Evaluations(Project(shop, Project(shop).config.with_overrides(exclude=("x",))), cache)
    other.evaluate(checks[0])
    assert other.hits == 0
    (cache / FILENAME).write_text("{not json")
    broken, _ = _run(shop, cache, checks)
    assert broken.hits == 0
    assert _stored(cache)["evaluations"]  # rewritten


def test_a_damaged_entry_is_judged_again(shop: Path, tmp_path: Path) -> None:
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _, before = _run(shop, cache, checks)
    stored = _stored(cache)
    stored["evaluations"]["evaluate:KAB101"] = {"subjects": 3}
    _store(cache, stored)
    again, after = _run(shop, cache, checks)
    assert again.hits == 0
    assert after == before


def test_stored_findings_are_masked(tmp_path: Path) -> None:
    root = tmp_path / "leaky"
    (root / "app").mkdir(parents=True)
    secret = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    (root / "pyproject.toml").write_text('[project]\nname = "leaky"\nversion = "0"\n')
    (root / "app" / "main.py").write_text(f'import os\nKEY = os.environ.get("KEY", "{secret}")\n')
    backdate(root)
    cache = tmp_path / "cache"
    REDACTOR.add([secret])
    try:
        evaluations = Evaluations(Project(root), cache)
        for check in all_checks():
            if not check.opt_in and not check.live:
                evaluations.evaluate(check)
        evaluations.save()
    finally:
        REDACTOR.clear()
    assert (cache / FILENAME).is_file()
    assert secret not in (cache / FILENAME).read_text()


def test_a_check_reading_more_than_the_files_is_never_stored(shop: Path, tmp_path: Path) -> None:
    history, kab101 = _checks("KAB507", "KAB101")
    assert not history.files_only
    cache = tmp_path / "cache"
    _run(shop, cache, [history, kab101])
    stored = _stored(cache)["evaluations"]
    assert "evaluate:KAB101" in stored
    assert "evaluate:KAB507" not in stored


def test_only_what_the_model_read_is_confirmed_by_content(shop: Path, tmp_path: Path) -> None:
    notes = shop / "notes.txt"
    notes.write_text("nothing a check reads\n")
    backdate(shop)
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _run(shop, cache, checks)
    stored = _stored(cache)["files"]
    module = _a_module(shop)
    rel = module.relative_to(shop).as_posix()
    assert stored["notes.txt"][2] is None  # never read: not even digested
    assert stored[rel][2]  # read (or its imports taken from its record): digested
    notes.write_text("NOTHING A CHECK READS\n")  # same size, new time
    unread_edit, _ = _run(shop, cache, checks)
    assert unread_edit.hits == 1
    module.write_text(module.read_text().replace("import", "imporT", 1))  # same size
    backdate(shop, seconds=60)
    read_edit, _ = _run(shop, cache, checks)
    assert read_edit.hits == 0


def test_facts_from_a_files_record_count_as_reading_it(shop: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    kab101 = _checks("KAB101")[0]

    def run() -> Project:
        project = Project(shop, cache_dir=cache)
        evaluations = Evaluations(project, cache)
        evaluations.evaluate(kab101)
        evaluations.save()
        return project

    run()
    (cache / FILENAME).unlink()  # the per-file records stay
    project = run()
    rel = _a_module(shop).relative_to(shop).as_posix()
    assert project.records.hits  # imports came from the records ...
    assert rel in project.inputs()  # ... and still count as read
    assert _stored(cache)["files"][rel][2]


def test_an_upgraded_library_judges_afresh(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    (site / "alembic-1.13.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr("sysconfig.get_paths", lambda: {"purelib": str(site), "platlib": str(site)})
    checks = _checks("KAB101")
    cache = tmp_path / "cache"
    _run(shop, cache, checks)
    same, _ = _run(shop, cache, checks)
    assert same.hits == 1
    (site / "alembic-1.13.0.dist-info").rename(site / "alembic-1.14.0.dist-info")
    upgraded, _ = _run(shop, cache, checks)
    assert upgraded.hits == 0


def test_saving_reads_no_file_whose_record_the_run_holds(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's digest of a module is its record's text digest (the file is not read a
    second time to save), and a later content check from disk agrees with it."""
    from pytest_kabul import evaluations as module
    from pytest_kabul.project import files

    read_again: list[str] = []
    real = files.read_bounded

    def spy(root: Path, rel: str, *args: Any, **kwargs: Any) -> Any:
        read_again.append(rel)
        return real(root, rel, *args, **kwargs)

    monkeypatch.setattr(module, "read_bounded", spy)
    project = Project(shop)
    evaluations = Evaluations(project, tmp_path / "cache")
    evaluations.evaluate(_checks("KAB101")[0])
    evaluations.save()
    stored = _stored(tmp_path / "cache")["files"]
    recorded = [rel for rel in stored if project.records.record(rel) is not None]
    assert recorded
    assert not set(recorded) & set(read_again)
    for rel in recorded:
        assert stored[rel][2] == module._content(project, rel)
