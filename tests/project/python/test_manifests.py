"""Manifest parsing (pyproject PEP 621/735, Poetry, uv, requirements, setup.cfg, setup.py)."""

from __future__ import annotations

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.manifests.model import DepKind
from pytest_kabul.project.python.manifests.reader import manifest
from tests.helpers import MakeProject


def _deps(project: Project, path: str) -> list[tuple[str, str, str, int | None]]:
    m = manifest(project, path)
    assert m is not None
    return sorted((d.name, d.kind.value, d.group, d.line) for d in m.deps)


def test_pep621_extras_and_dependency_groups(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pyproject.toml": """
                [project]
                name = "My_App"
                dependencies = ["FastAPI>=0.110", "ruamel.yaml"]
                [project.optional-dependencies]
                Postgres = ["asyncpg"]
                [dependency-groups]
                test = ["pytest", {include-group = "lint"}]
                lint = ["ruff"]
                [tool.uv]
                dev-dependencies = ["mypy"]
                [build-system]
                requires = ["hatchling"]
            """,
        },
    )
    assert _deps(project, "pyproject.toml") == [
        ("asyncpg", "extra", "postgres", 5),
        ("fastapi", "runtime", "", 3),
        ("hatchling", "group", "build-system", 12),
        ("mypy", "group", "dev", 10),
        ("pytest", "group", "test", 7),
        ("ruamel-yaml", "runtime", "", 3),
        ("ruff", "group", "lint", 8),
        ("ruff", "group", "test", 8),
    ]
    m = manifest(project, "pyproject.toml")
    assert m is not None
    assert m.project_name == "my-app"
    assert m.style == "uv"
    assert m.names(extras=("postgres",)) == {"fastapi", "ruamel-yaml", "asyncpg"}


def test_poetry_groups_extras_and_optional(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pyproject.toml": """
                [tool.poetry]
                name = "svc"
                [tool.poetry.dependencies]
                python = "^3.11"
                PyYAML = "^6"
                boto3 = { version = "^1", optional = true }
                sentry-sdk = { version = "^2", extras = ["fastapi"] }
                [tool.poetry.extras]
                s3 = ["boto3"]
                [tool.poetry.dev-dependencies]
                black = "*"
                [tool.poetry.group.test.dependencies]
                pytest = "^8"
            """,
        },
    )
    assert _deps(project, "pyproject.toml") == [
        ("black", "group", "dev", 11),
        ("boto3", "extra", "s3", 6),
        ("pytest", "group", "test", 13),
        ("pyyaml", "runtime", "", 5),
        ("sentry-sdk", "runtime", "", 7),
    ]
    m = manifest(project, "pyproject.toml")
    assert m is not None
    assert m.style == "poetry"
    assert [d.extras for d in m.deps if d.name == "sentry-sdk"] == [("fastapi",)]


def test_requirements_includes_options_and_bad_lines(make_project: MakeProject) -> None:
    project = make_project(
        {
            "requirements.txt": """
                # comment
                -r base/common.txt
                --requirement=extra.txt
                -c constraints.txt
                --index-url https://example.com/simple
                requests==2.31 \\
                    --hash=sha256:abc
                gunicorn ; sys_platform != "win32"  # server
                -e git+https://github.com/acme/sdk.git#egg=acme_sdk
                -e .
                https://host/wheels/beautifulsoup4-4.12.3-py3-none-any.whl
                pkg @ https://host/pkg.tar.gz
                not valid ==
            """,
            "base/common.txt": "-r ../requirements.txt\nPillow\n",
            "extra.txt": "redis\n",
            "constraints.txt": "urllib3<3\n",
        },
    )
    assert _deps(project, "requirements.txt") == [
        ("acme-sdk", "runtime", "", 9),
        ("beautifulsoup4", "runtime", "", 11),
        ("gunicorn", "runtime", "", 8),
        ("pillow", "runtime", "", 2),
        ("pkg", "runtime", "", 12),
        ("redis", "runtime", "", 1),
        ("requests", "runtime", "", 6),
    ]
    m = manifest(project, "requirements.txt")
    assert m is not None
    assert m.includes == ("base/common.txt", "extra.txt")
    assert m.constraints == ("constraints.txt",)
    assert [(p.path, p.message) for p in project.problems] == [
        ("requirements.txt", "line 13: not a valid requirement: 'not valid =='")
    ]


def test_missing_include_is_a_problem(make_project: MakeProject) -> None:
    project = make_project({"requirements.txt": "-r nope.txt\nflask\n"})
    assert _deps(project, "requirements.txt") == [("flask", "runtime", "", 2)]
    assert [p.message for p in project.problems] == ["includes nope.txt, which does not exist"]


def test_setup_cfg_and_setup_py(make_project: MakeProject) -> None:
    project = make_project(
        {
            "setup.cfg": """
                [metadata]
                name = tool
                [options]
                install_requires =
                    click>=8  # cli
                    requests
                [options.extras_require]
                PDF = reportlab
            """,
            "setup.py": """
                from setuptools import setup
                setup(name="tool", install_requires=["rich"], extras_require={"x": ["tqdm"]})
            """,
        },
    )
    assert _deps(project, "setup.cfg") == [
        ("click", "runtime", "", 5),
        ("reportlab", "extra", "pdf", 8),
        ("requests", "runtime", "", 6),
    ]
    assert _deps(project, "setup.py") == [
        ("rich", "runtime", "", 2),
        ("setuptools", "group", "build-system", None),
        ("tqdm", "extra", "x", 2),
    ]


def test_invalid_toml_and_ini_are_problems_not_crashes(make_project: MakeProject) -> None:
    project = make_project({"pyproject.toml": "[project\n", "setup.cfg": "no section\n"})
    assert manifest(project, "pyproject.toml") is None
    assert manifest(project, "setup.cfg") is None
    assert [p.path for p in project.problems] == ["pyproject.toml", "setup.cfg"]


def test_pyproject_bad_requirement_names_the_line(make_project: MakeProject) -> None:
    project = make_project(
        {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["ok", "bad =="]\n'}
    )
    assert _deps(project, "pyproject.toml") == [("ok", "runtime", "", 3)]
    assert [p.message for p in project.problems] == ["line 3: not a valid requirement: 'bad =='"]
    assert DepKind.RUNTIME.value == "runtime"


def test_same_requirement_in_several_tables_does_not_crash(make_project: MakeProject) -> None:
    """Regression: equal name/line with different kinds used to hit Enum ordering."""
    project = make_project(
        {
            "pyproject.toml": """
                [project]
                name = "x"
                dependencies = ["requests"]
                [project.optional-dependencies]
                http = ["requests"]
                [dependency-groups]
                dev = ["requests"]
            """,
            "setup.py": "from setuptools import setup\nsetup(install_requires=['setuptools'])\n",
        },
    )
    assert _deps(project, "pyproject.toml") == [
        ("requests", "extra", "http", 3),
        ("requests", "group", "dev", 3),
        ("requests", "runtime", "", 3),
    ]
    assert _deps(project, "setup.py") == [
        ("setuptools", "group", "build-system", None),
        ("setuptools", "runtime", "", 2),
    ]
