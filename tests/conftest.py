"""Fixtures shared by pytest-kabul's own tests."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.helpers import MakeProject, build_project


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """``build_project`` bound to ``tmp_path``: ``make_project({"app.py": "..."})``."""
    return functools.partial(build_project, tmp_path)
