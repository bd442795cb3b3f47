"""Build-time variables in Dockerfile installs (pytest_kabul.project.docker.build_vars):
ARG defaults, compose build.args overriding them, ENV, and shell expansion forms."""

from __future__ import annotations

import pytest

from pytest_kabul.project.docker.build_vars import (
    compose_build_args,
    declare_args,
    declare_env,
    expand,
)
from pytest_kabul.project.docker.installs import production_install
from pytest_kabul.project.python.apps import python_apps
from tests.helpers import MakeProject

PYPROJECT = """
[project]
name = "api"
dependencies = ["fastapi"]
[project.optional-dependencies]
pg = ["asyncpg"]
s3 = ["boto3"]
redis = ["redis"]
[dependency-groups]
dev = ["pytest"]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pip install .[$X]", "pip install .[pg]"),
        ("uv sync --extra ${X}", "uv sync --extra pg"),
        ("a${UNSET:-s3}b", "as3b"),
        ("a${EMPTY:-s3}b", "as3b"),
        ("a${EMPTY-s3}b", "ab"),
        ("${X:+--extra $X}", "--extra $X"),  # the word is not expanded again
        ("${UNSET:+x}", ""),
        ("$UNSET and ${UNSET}", "$UNSET and ${UNSET}"),  # unknown: left for the reader
    ],
)
def test_expand(text: str, expected: str) -> None:
    assert expand(text, {"X": "pg", "EMPTY": ""}) == expected


def test_arg_defaults_build_args_and_globals() -> None:
    assert declare_args("A=1 B", {}, {}, {"B": "g"}) == {"A": "1", "B": "g"}
    assert declare_args("A=1", {}, {"A": "9"}, {}) == {"A": "9"}
    assert declare_args("C=${A}-x", {"A": "1"}, {}, {}) == {"A": "1", "C": "1-x"}
    assert declare_args("UNKNOWN", {}, {}, {}) == {}


def test_env_both_forms() -> None:
    assert declare_env('E=x F="a b"', {}, {}) == {"E": "x", "F": "a b"}
    assert declare_env("E value with spaces", {}, {}) == {"E": "value with spaces"}
    assert declare_env("E=$A", {}, {"A": "from-arg"}) == {"E": "from-arg"}


def test_compose_build_args_forms() -> None:
    assert compose_build_args({"args": {"X": "pg", "N": 1, "B": True}}) == {
        "X": "pg",
        "N": "1",
        "B": "true",
    }
    assert compose_build_args({"args": ["X=pg,s3", "NOVALUE"]}) == {"X": "pg,s3"}
    assert compose_build_args("./backend") == {}


def _extras(make_project: MakeProject, dockerfile: str, compose: str | None = None) -> tuple:
    files = {"pyproject.toml": PYPROJECT, "Dockerfile": dockerfile, "app/main.py": ""}
    if compose is not None:
        files["compose.yaml"] = compose
    project = make_project(files)
    install = production_install(project, python_apps(project)[0])
    return install.extras, install.groups


GLOBAL_ARG = "ARG EXTRAS=pg\nFROM python:3.12\nARG EXTRAS\nCOPY . .\nRUN pip install '.[$EXTRAS]'"
STAGE_ARGS = (
    'FROM python:3.12\nARG X=pg\nARG Y=s3\nCOPY . .\nRUN uv sync --no-dev --extra ${X} --extra "$Y"'
)
ENV_WINS = "FROM python:3.12\nARG X=pg\nENV X=redis\nCOPY . .\nRUN pip install .[$X,${NOPE:-s3}]"
OTHER_STAGE = 'FROM python:3.12 AS a\nARG X=pg\nFROM a\nCOPY . .\nRUN pip install ".[$X]"'


@pytest.mark.parametrize(
    ("dockerfile", "extras"),
    [
        (GLOBAL_ARG, ("pg",)),  # global ARG default, redeclared in the stage without a value
        (STAGE_ARGS, ("pg", "s3")),  # stage ARG defaults, uv --extra with and without braces
        (ENV_WINS, ("redis", "s3")),  # ENV wins over ARG; the default word when unset
        (OTHER_STAGE, ()),  # an ARG of another stage is not visible: nothing selected
    ],
)
def test_dockerfile_variables_select_extras(
    make_project: MakeProject, dockerfile: str, extras: tuple[str, ...]
) -> None:
    assert _extras(make_project, dockerfile) == (extras, ())


def test_compose_build_args_override_the_arg_default(make_project: MakeProject) -> None:
    dockerfile = "ARG EXTRAS=pg\nFROM python:3.12\nARG EXTRAS\nCOPY . .\nRUN pip install .[$EXTRAS]"
    compose = """
        services:
          api:
            build:
              context: .
              args:
                - EXTRAS=pg,s3
    """
    assert _extras(make_project, dockerfile, compose) == (("pg", "s3"), ())
