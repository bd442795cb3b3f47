"""What a Dockerfile installs (pytest_kabul.project.docker.installs): every supported install
command."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.project.docker.installs import image_installs, production_install
from pytest_kabul.project.python.apps import python_apps
from tests.helpers import MakeProject, build_project

PYPROJECT = """
[project]
name = "api"
dependencies = ["fastapi"]
[project.optional-dependencies]
pg = ["asyncpg"]
s3 = ["boto3"]
[dependency-groups]
dev = ["pytest"]
lint = ["ruff"]
"""
POETRY = """
[tool.poetry]
name = "api"
[tool.poetry.dependencies]
python = "^3.11"
fastapi = "*"
boto3 = { version = "*", optional = true }
[tool.poetry.extras]
s3 = ["boto3"]
[tool.poetry.group.dev.dependencies]
pytest = "*"
[tool.poetry.group.docs.dependencies]
sphinx = "*"
"""


def _installed(tmp_path: Path, run: str, manifest: str = PYPROJECT) -> tuple[str, ...]:
    dockerfile = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN {run}\n"
    project = build_project(
        tmp_path,
        {
            "backend/pyproject.toml": manifest,
            "backend/requirements.txt": "flask\n-r more.txt\n",
            "backend/more.txt": "redis\n",
            "backend/Pipfile": '[packages]\nrequests = "*"\n[dev-packages]\nmock = "*"\n',
            "backend/app/main.py": "",
            "backend/Dockerfile": dockerfile,
        },
    )
    installs = image_installs(project)
    assert [i.dockerfile for i in installs] == ["backend/Dockerfile"]
    return tuple(sorted(installs[0].names))


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("pip install .", ("fastapi",)),
        ("pip install --no-cache-dir '.[pg,s3]'", ("asyncpg", "boto3", "fastapi")),
        ("python -m pip install -e .[pg]", ("asyncpg", "fastapi")),
        ("pip install -r requirements.txt", ("flask", "redis")),
        ("pip3 install -rrequirements.txt gunicorn==22.0", ("flask", "gunicorn", "redis")),
        ("pip install --no-deps .", ()),
        ("uv sync --frozen", ("fastapi", "pytest")),
        ("uv sync --frozen --no-dev --extra pg", ("asyncpg", "fastapi")),
        ("uv sync --all-extras --no-default-groups", ("asyncpg", "boto3", "fastapi")),
        ("uv sync --only-group lint", ("ruff",)),
        ("uv pip install --system -r pyproject.toml --extra s3", ("boto3", "fastapi")),
        ("uv pip sync requirements.txt", ("flask", "redis")),
        ("pipenv install --system --deploy", ("requests",)),
        ("pipenv install --dev --system", ("mock", "requests")),
        ("pdm install --prod", ("fastapi",)),
        ("pdm install", ("fastapi", "pytest", "ruff")),
        ("cd /app && apt-get update && pip install . && rm -rf /var/lib/apt", ("fastapi",)),
        (
            "uv export --no-dev -o /tmp/req.txt && pip install -r /tmp/req.txt",
            ("fastapi",),
        ),
    ],
)
def test_pep621_and_requirements_installs(tmp_path: Path, run: str, names: tuple[str, ...]) -> None:
    assert _installed(tmp_path, run) == names


@pytest.mark.parametrize(
    ("run", "names"),
    [
        ("poetry install", ("fastapi", "pytest", "sphinx")),
        ("poetry install --only main", ("fastapi",)),
        ("poetry install --no-dev", ("fastapi",)),
        ("poetry install --without dev,docs -E s3", ("boto3", "fastapi")),
        ("poetry install --without docs --all-extras", ("boto3", "fastapi", "pytest")),
        (
            "poetry export -f requirements.txt --output req.txt && pip install -r req.txt",
            ("fastapi",),
        ),
        ("poetry export --with dev > r.txt && pip install -r r.txt", ("fastapi", "pytest")),
    ],
)
def test_poetry_installs(tmp_path: Path, run: str, names: tuple[str, ...]) -> None:
    assert _installed(tmp_path, run, POETRY) == names


def test_multistage_build_context_from_root_and_dev_stage_ignored(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "backend/pyproject.toml": PYPROJECT,
            "backend/app/main.py": "",
            "Dockerfile.api": """
                FROM python:3.12 AS builder
                WORKDIR /build
                COPY backend/pyproject.toml ./
                RUN --mount=type=cache,target=/root/.cache pip install --prefix=/install .[pg]

                FROM builder AS test
                RUN pip install pytest-xdist

                FROM python:3.12-slim
                COPY --from=builder /install /usr/local
            """,
        },
    )
    (install,) = image_installs(project)
    assert (install.app, install.dockerfile, install.manifests) == (
        "backend",
        "Dockerfile.api",
        ("backend/pyproject.toml",),
    )
    assert sorted(install.names) == ["asyncpg", "fastapi"]
    assert install.extras == ("pg",)


def test_no_dockerfile_falls_back_to_declared_runtime(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pyproject.toml": PYPROJECT,
            "requirements-dev.txt": "pytest\n",
            "requirements.txt": "gunicorn\n",
            "api/main.py": "",
        },
    )
    (app,) = python_apps(project)
    install = production_install(project, app)
    assert install.dockerfile is None
    assert install.manifests == ("pyproject.toml", "requirements.txt")
    assert sorted(install.names) == ["asyncpg", "boto3", "fastapi", "gunicorn"]
    assert install.label == (
        "pyproject.toml and requirements.txt, the app's declared runtime dependencies"
    )


def test_dockerfile_without_python_install_is_not_authoritative(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pyproject.toml": PYPROJECT,
            "api/main.py": "",
            "Dockerfile": "FROM company/base:1\nCOPY . .\nCMD python -m api\n",
        },
    )
    assert image_installs(project) == ()
    (app,) = python_apps(project)
    assert production_install(project, app).dockerfile is None
