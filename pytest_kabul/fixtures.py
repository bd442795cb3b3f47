"""Public fixtures: ``kabul_project`` and the live services (Postgres, Redis, app replicas).

Fixture bodies import their machinery lazily so that merely having the plugin installed costs
nothing at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_kabul.project.core import Project


@pytest.fixture(scope="session")
def kabul_project(pytestconfig: pytest.Config) -> Project:
    """The static model of the project under check (shared with the readiness items)."""
    plugin = pytestconfig.pluginmanager.get_plugin("kabul-session")
    if plugin is not None:
        project: Project = plugin.project
        return project
    from pytest_kabul.project.core import Project

    root = pytestconfig.getoption("kabul_root")
    return Project(Path(root) if root else pytestconfig.rootpath)
