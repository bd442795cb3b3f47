"""notice_test: environment reads that only tell the user something are not configuration."""

from __future__ import annotations

import pytest

from pytest_kabul.project.python.settings.notices import notice_test
from tests.helpers import MakeProject

CLI = """
import os
import typer


def rename(name: str, new: str) -> None:
    if os.environ.get("APP_PROFILE") == name:
        typer.echo(f"APP_PROFILE still names {name}: update it to {new}")
    save(name, new)


def login(key: str | None) -> None:
    env_key = os.getenv("APP_API_KEY")
    if env_key and key and env_key != key:
        exit_with_error("a different APP_API_KEY in the environment overrides --key")
    if key and env_key and env_key == key:
        validate(key)


def missing() -> None:
    if not os.getenv("OPENAI_API_KEY"):
        print("warning: OPENAI_API_KEY is not set")


def debug(app) -> None:
    if os.getenv("DEBUG"):
        app.debug = True


def switch() -> None:
    if os.getenv("MODE") == "production":
        enable_production()


def auth(token: str) -> None:
    if token != os.getenv("API_TOKEN"):
        raise HTTPException(401)


def value() -> str:
    url = os.getenv("SERVICE_URL")
    if url:
        print("using", url)
    return url or ""


def perf() -> None:
    if not os.environ.get("PERF_DEBUG"):
        return
    install_profiler()


def chained(key: str) -> None:
    mode = os.getenv("RUN_MODE")
    if mode == key:
        print("same")
    elif mode == "fast":
        go_fast()
"""


@pytest.mark.parametrize(
    ("line", "notice"),
    [
        (6, True),  # compared with a parameter, the branch only echoes
        (12, True),  # override check: one informing branch, the other compares with `key`
        (20, True),  # presence test that only prints a warning
        (25, False),  # a feature flag: the branch configures the app
        (30, False),  # compared with a literal: a configuration switch
        (35, False),  # the value is the reference secret of an auth check
        (40, False),  # the value itself is used (printed and returned)
        (47, False),  # an early return: a feature flag, not a notice
        (53, False),  # one branch switches behaviour on a literal
    ],
)
def test_notice_tests_and_configuration_reads(
    make_project: MakeProject, line: int, notice: bool
) -> None:
    project = make_project({"app/cli.py": CLI})
    text = (project.root / "app/cli.py").read_text().splitlines()
    assert "os." in text[line - 1]
    assert (notice_test(project, "app/cli.py", line) is not None) is notice


PLACES = """
import os


@app.get(os.getenv("ROUTE"))
def decorated(
    x=os.environ.get("DEFAULT"),
) -> None:
    if x != os.getenv("OTHER"): print("differs")
    keys = [k for k in os.environ.get("KEYS", "").split(",") if k]
    with open(os.environ["PATH_FILE"]) as f, lock(os.getenv("LOCK")):
        match os.getenv("MODE"):
            case "a":
                pass
    if (os.getenv("ONE")
            or os.getenv("TWO")):
        print("set")


class Config(Base, flag=os.getenv("FLAG")):
    if os.getenv("A") == os.getenv("B"): print("same")
"""


def test_the_read_is_found_wherever_it_sits_on_its_line(make_project: MakeProject) -> None:
    """The search visits only what can hold the line (decorators before a ``def``, nodes
    without positions); every read answers as if every node of its scope had been walked."""
    import ast

    from pytest_kabul.project.python.settings import notices

    project = make_project({"app/places.py": PLACES})
    tree = project.parse_python("app/places.py")
    assert tree is not None
    lines = sorted({n.lineno for n in ast.walk(tree) if notices._is_env_read(n)})
    assert lines == [4, 6, 8, 9, 10, 11, 14, 15, 19, 20]
    for line in lines:
        scope = notices._scope(tree, line)
        everything, first = notices._walk(scope, None), None
        for node in ast.walk(scope):  # ast.walk's order: the first read on the line
            if getattr(node, "lineno", 0) == line and notices._is_env_read(node):
                first = node
                break
        parents, read = notices._walk(scope, line)
        assert read is first, line
        node = read
        while node is not scope:  # the whole path up to the scope is known
            assert parents[node] is everything[0][node], line
            node = parents[node]
    assert notice_test(project, "app/places.py", 8) is not None  # compared with a parameter
    assert notice_test(project, "app/places.py", 14) is not None  # either one set: a print
    assert notice_test(project, "app/places.py", 20) is not None  # in a class body
    assert notice_test(project, "app/places.py", 11) is None  # matched on: configuration
    assert notice_test(project, "app/places.py", 4) is None  # a decorator argument
