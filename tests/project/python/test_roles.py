"""File roles by place: build and task-runner files are tooling only at the app's root."""

from __future__ import annotations

import pytest

from pytest_kabul.project.python.roles import tooling_reason


@pytest.mark.parametrize("name", ["tasks.py", "noxfile.py", "setup.py", "fabfile.py"])
def test_runner_files_at_the_app_root_are_tooling(name: str) -> None:
    reason = tooling_reason(f"backend/{name}", name)
    assert reason is not None
    assert name in reason


@pytest.mark.parametrize("packages", [frozenset(), frozenset({"backend/app"})])
def test_a_task_module_inside_the_app_is_app_code(packages: frozenset[str]) -> None:
    # Celery's conventional ``app/tasks.py``, in a regular or a namespace package
    assert tooling_reason("backend/app/tasks.py", "app/tasks.py", packages) is None


def test_tooling_folders_still_win_below_the_root() -> None:
    assert tooling_reason("backend/scripts/tasks.py", "scripts/tasks.py") is not None
