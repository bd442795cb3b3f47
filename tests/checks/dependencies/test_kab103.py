"""KAB103 unpinned-production-dependencies: open-ended requirements installed without a lock."""

from __future__ import annotations

from pytest_kabul.checks.dependencies import unpinned_production_dependencies
from pytest_kabul.project.docker.pinning import Pin, pin_of, poetry_pin
from pytest_kabul.registry import Evaluation
from tests.helpers import MakeProject

KAB103 = unpinned_production_dependencies.check

OPEN_REQS = "fastapi>=0.110\nsqlalchemy\ncelery>=5,!=5.3.0\n"
PIP_DOCKERFILE = """
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --upgrade pip && pip install -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""
MAIN = "from fastapi import FastAPI\napp = FastAPI()\n"


def evaluate(make_project: MakeProject, files: dict[str, str]) -> Evaluation:
    return KAB103.evaluate(make_project({"app/main.py": MAIN, **files}))


def test_open_requirements_without_lock(make_project: MakeProject) -> None:
    ev = evaluate(make_project, {"requirements.txt": OPEN_REQS, "Dockerfile": PIP_DOCKERFILE})
    assert ev.subjects == ("Dockerfile",)
    (finding,) = ev.findings
    assert str(finding.location) == "Dockerfile:4"
    assert finding.message == (
        "installs 3 requirements (requirements.txt), none pinned or bounded, from no lockfile"
    )
    assert finding.evidence[0].text == (
        "requirements.txt:3: celery>=5,!=5.3.0\n"
        "requirements.txt:1: fastapi>=0.110\n"
        "requirements.txt:2: sqlalchemy"
    )


def test_lock_in_the_repository_that_the_image_ignores(make_project: MakeProject) -> None:
    files = {
        "requirements.txt": OPEN_REQS,
        "Dockerfile": PIP_DOCKERFILE,
        "uv.lock": "version = 1\n",
    }
    (finding,) = evaluate(make_project, files).findings
    assert finding.message.endswith("; the image does not install from uv.lock")


def test_lock_excluded_by_dockerignore_is_no_lock(make_project: MakeProject) -> None:
    pyproject = '[tool.poetry]\nname = "shop"\n[tool.poetry.dependencies]\nfastapi = "*"\n'
    dockerfile = UV_DOCKERFILE.replace("uv sync {flags}", "poetry install --only main")
    files = {
        "pyproject.toml": pyproject,
        "poetry.lock": "",
        ".dockerignore": "poetry.lock\n",
        "Dockerfile": dockerfile,
    }
    (finding,) = evaluate(make_project, files).findings
    assert finding.message == (
        "installs 1 requirement (pyproject.toml), none pinned or bounded, from no lockfile;"
        " the image does not install from poetry.lock (excluded by .dockerignore)"
    )


def test_one_pin_or_bound_is_not_every_requirement_open(make_project: MakeProject) -> None:
    for extra in ("uvicorn==0.30.1\n", "pydantic>=2,<3\n", "httpx~=0.27\n"):
        files = {"requirements.txt": OPEN_REQS + extra, "Dockerfile": PIP_DOCKERFILE}
        assert evaluate(make_project, files).findings == (), extra


def test_compiled_or_constrained_requirements_are_a_lock(make_project: MakeProject) -> None:
    compiled = "# via fastapi\nstarlette>=0.37\nfastapi\n"
    assert (
        evaluate(
            make_project, {"requirements.txt": compiled, "Dockerfile": PIP_DOCKERFILE}
        ).findings
        == ()
    )
    constrained = PIP_DOCKERFILE.replace("-r requirements.txt", "-r requirements.txt -c c.txt")
    ev = evaluate(
        make_project,
        {"requirements.txt": OPEN_REQS, "c.txt": "fastapi==0.110.0\n", "Dockerfile": constrained},
    )
    assert ev.findings == ()
    assert ev.notes == {"Dockerfile": "installs from a lock: pip install -c c.txt"}


PYPROJECT = """
[project]
name = "shop"
version = "1.0"
dependencies = ["fastapi>=0.110", "redis"]
"""
UV_DOCKERFILE = """
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml uv.lock* ./
RUN uv sync {flags}
COPY . .
CMD ["uvicorn", "app.main:app"]
"""


def test_uv_sync(make_project: MakeProject) -> None:
    # make_project writes into one folder: the case without uv.lock comes first
    no_lock = {"pyproject.toml": PYPROJECT, "Dockerfile": UV_DOCKERFILE.format(flags="--no-dev")}
    (finding,) = evaluate(make_project, no_lock).findings
    assert finding.message == (
        "installs 2 requirements (pyproject.toml), none pinned or bounded, from no lockfile"
    )
    frozen = {"pyproject.toml": PYPROJECT, "Dockerfile": UV_DOCKERFILE.format(flags="--frozen")}
    ev = evaluate(make_project, frozen)
    assert ev.findings == ()
    assert ev.notes == {"Dockerfile": "installs from a lock: uv sync --frozen"}
    with_lock = {
        "pyproject.toml": PYPROJECT,
        "uv.lock": "version = 1\n",
        "Dockerfile": UV_DOCKERFILE.format(flags="--no-dev"),
    }
    assert evaluate(make_project, with_lock).notes == {
        "Dockerfile": "installs from a lock: uv sync with uv.lock"
    }


def test_named_installs_and_first_party(make_project: MakeProject) -> None:
    dockerfile = PIP_DOCKERFILE.replace(
        "pip install -r requirements.txt", "pip install gunicorn 'uvicorn[standard]' ./lib"
    )
    files = {"Dockerfile": dockerfile, "lib/pyproject.toml": PYPROJECT, "requirements.txt": ""}
    (finding,) = evaluate(make_project, files).findings
    assert finding.evidence[0].text == "Dockerfile:4: gunicorn\nDockerfile:4: uvicorn[standard]"


def test_poetry_constraints(make_project: MakeProject) -> None:
    assert poetry_pin("^1.2") is Pin.BOUNDED
    assert poetry_pin("*") is Pin.OPEN
    assert poetry_pin(">=1.2") is Pin.OPEN
    assert poetry_pin("1.2.3") is Pin.PINNED
    assert poetry_pin({"git": "https://x/y.git"}) is Pin.PINNED
    assert pin_of("x @ https://host/x-1.0.tar.gz") is Pin.PINNED
    assert pin_of("x==1.*") is Pin.BOUNDED
    pyproject = (
        '[tool.poetry]\nname = "shop"\n[tool.poetry.dependencies]\npython = "^3.12"\n'
        'fastapi = "*"\nredis = ">=5"\n'
    )
    dockerfile = UV_DOCKERFILE.replace("uv sync {flags}", "poetry install --only main")
    (finding,) = evaluate(
        make_project, {"pyproject.toml": pyproject, "Dockerfile": dockerfile}
    ).findings
    assert finding.evidence[0].text == (
        'pyproject.toml:5: fastapi = "*"\npyproject.toml:6: redis = ">=5"'
    )
    locked = {"pyproject.toml": pyproject, "poetry.lock": "", "Dockerfile": dockerfile}
    assert evaluate(make_project, locked).findings == ()


def test_no_image_is_a_skip(make_project: MakeProject) -> None:
    ev = evaluate(make_project, {"requirements.txt": OPEN_REQS})
    assert ev.not_applicable == "no production image installs Python packages"


def test_lock_not_copied_before_install_is_no_lock(make_project: MakeProject) -> None:
    pyproject = '[tool.poetry]\nname = "shop"\n[tool.poetry.dependencies]\nfastapi = "*"\n'
    dockerfile = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml ./\n"
        'RUN poetry install --only main\nCOPY app ./app\nCMD ["python", "-m", "app"]\n'
    )
    files = {"pyproject.toml": pyproject, "poetry.lock": "", "Dockerfile": dockerfile}
    (finding,) = evaluate(make_project, files).findings
    assert finding.message.endswith(
        "the image does not install from poetry.lock (not copied into the image)"
    )
