"""Variables an app sets for its own child processes (``handoff_sites``), read line by line."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.settings.writes import handoff_sites
from tests.project.python.settings.test_envreads import make

FILLER = "".join(f"x = {i}\n" for i in range(1, 13))  # twelve lines: a mapping is over
RUN = (
    'import os\nos.environ["STORED_ENV"] = "1"\nchild_env["CHILD_KEY"] = x\n'
    'child_env["COMPARED"] == x\nenv = {\n    "MAPPED_KEY": 1,\n    **{"SPREAD_KEY": 2},\n}\n'
    + FILLER
    + 'SUB_ENV: dict[str, str] = dict(\n    "NOT_A_KEY",\n)\n'
    + 'ENV.update(\n    {"UPDATED_KEY": 3}\n)\n'
    + FILLER
    + '"TOO_FAR": 1\n'
)


def test_stores_and_keys_after_a_line_opening_an_environment_mapping(tmp_path: Path) -> None:
    project = make(tmp_path, {"app/run.py": RUN})
    (app,) = python_apps(project)
    assert handoff_sites(project, app, ()) == {
        "STORED_ENV": "svc/app/run.py:2",
        "CHILD_KEY": "svc/app/run.py:3",
        "MAPPED_KEY": "svc/app/run.py:6",
        "SPREAD_KEY": "svc/app/run.py:7",
        "UPDATED_KEY": "svc/app/run.py:25",
    }
