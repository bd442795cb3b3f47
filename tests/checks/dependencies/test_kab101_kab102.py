"""KAB101 / KAB102 on small generated projects: exact findings, and one real pytest session."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.checks.dependencies import image_manifest_drift, python_import_undeclared
from pytest_kabul.model import Evidence, Finding, Location, Severity
from pytest_kabul.project.python.apps import python_apps
from tests.helpers import MakeProject, build_project, run_kabul

PYPROJECT = """
[project]
name = "shop-api"
dependencies = ["fastapi", "redis>=5", "pywin32; sys_platform == 'win32'"]
[project.optional-dependencies]
dev = ["pytest"]
"""
MONITORING = """
import logging

logger = logging.getLogger(__name__)


def init_sentry(dsn: str) -> None:
    try:
        import sentry_sdk
    except ImportError:
        logger.warning("sentry missing: error tracking disabled")
        return
    sentry_sdk.init(dsn=dsn)
"""
DOCKERFILE = """
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app ./app
"""


def _backend(tmp_path: Path, **extra: str) -> dict[str, str]:
    files = {
        "backend/pyproject.toml": PYPROJECT,
        "backend/requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n",
        "backend/Dockerfile": DOCKERFILE,
        "backend/app/__init__.py": "",
        "backend/app/core/__init__.py": "",
        "backend/app/core/monitoring.py": MONITORING,
        "backend/app/services/__init__.py": "",
        "backend/app/services/stripe.py": "NAME = 'local'\n",
        "backend/app/services/billing.py": "import stripe\nfrom app.services import stripe as s\n",
        "backend/app/cache.py": "from redis import Redis\n",
        "backend/tests/test_x.py": "import pytest\nimport factory\n",
    }
    files.update(extra)
    return files


def test_kab101_exact_findings(tmp_path: Path) -> None:
    project = build_project(tmp_path, _backend(tmp_path))
    evaluation = python_import_undeclared.check.evaluate(project)
    label = "backend/requirements.txt, the manifest backend/Dockerfile installs"
    add = ", with the version range you deploy (backend/Dockerfile installs this manifest)."
    assert evaluation.subjects == (
        "backend:factory-boy",
        "backend:pytest",
        "backend:redis",
        "backend:sentry-sdk",
        "backend:stripe",
    )
    assert evaluation.findings == (
        Finding(
            code="KAB101",
            severity=Severity.WARNING,
            subject="backend:factory-boy",
            message=(
                "'factory' is imported by test/tooling code but 'factory-boy' is not declared in"
                " any manifest of backend (backend/pyproject.toml, backend/requirements.txt)"
            ),
            remediation=(
                'Add "factory-boy" to [project.optional-dependencies].dev in backend/pyproject.toml'
            ),
            location=Location("backend/tests/test_x.py", 2),
        ),
        Finding(
            code="KAB101",
            severity=Severity.ERROR,
            subject="backend:redis",
            message=f"'redis' is imported but 'redis' is not declared in {label}; it is declared in"
            " backend/pyproject.toml, which the image does not install",
            remediation=f'Add the line "redis" to backend/requirements.txt{add}',
            location=Location("backend/app/cache.py", 1),
        ),
        Finding(
            code="KAB101",
            severity=Severity.ERROR,
            subject="backend:sentry-sdk",
            message=f"'sentry_sdk' is imported but 'sentry-sdk' is not declared in {label};"
            " no lockfile: whether 'sentry-sdk' arrives transitively cannot be known here; the"
            " import is guarded by an except clause, so the failure is silent",
            remediation=f'Add the line "sentry-sdk" to backend/requirements.txt{add}',
            location=Location("backend/app/core/monitoring.py", 8),
        ),
        Finding(
            code="KAB101",
            severity=Severity.ERROR,
            subject="backend:stripe",
            message=f"'stripe' is imported but 'stripe' is not declared in {label}; no lockfile:"
            " whether 'stripe' arrives transitively cannot be known here",
            remediation=f'Add the line "stripe" to backend/requirements.txt{add}',
            location=Location("backend/app/services/billing.py", 1),
        ),
    )


def test_kab102_exact_findings(tmp_path: Path) -> None:
    files = _backend(tmp_path)
    files["backend/requirements.txt"] = "fastapi==0.110.0\nuvicorn==0.29.0\n"
    project = build_project(tmp_path, files)
    evaluation = image_manifest_drift.check.evaluate(project)
    assert evaluation.subjects == ("backend:backend/Dockerfile",)
    assert [(f.severity, f.location, f.message) for f in evaluation.findings] == [
        (
            Severity.ERROR,
            Location("backend/pyproject.toml", 3),
            "'redis' is declared in backend/pyproject.toml but backend/requirements.txt, the"
            " manifest backend/Dockerfile installs, lacks it",
        ),
        (
            Severity.WARNING,
            Location("backend/requirements.txt", 2),
            "'uvicorn' is pinned in backend/requirements.txt, which backend/Dockerfile installs,"
            " but not declared in backend/pyproject.toml",
        ),
    ]


def test_kab102_passes_when_the_image_installs_pyproject(tmp_path: Path) -> None:
    files = _backend(tmp_path)
    files["backend/Dockerfile"] = "FROM python:3.12\nCOPY . /app\nRUN pip install /app\n"
    project = build_project(tmp_path, files)
    evaluation = image_manifest_drift.check.evaluate(project)
    assert (evaluation.subjects, evaluation.findings) == (("backend:backend/Dockerfile",), ())
    kab101 = python_import_undeclared.check.evaluate(project)
    assert [f.subject for f in kab101.findings if f.severity is Severity.ERROR] == [
        "backend:sentry-sdk",
        "backend:stripe",
    ]


def test_kab102_skips_without_dockerfile(make_project: MakeProject) -> None:
    project = make_project({"pyproject.toml": PYPROJECT, "app.py": "import fastapi\n"})
    assert image_manifest_drift.check.evaluate(project).not_applicable is not None


UV_LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "x"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "fastapi" },
]

[[package]]
name = "fastapi"
version = "0.115.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "pydantic" },
    { name = "starlette" },
]

[[package]]
name = "starlette"
version = "0.38.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "anyio" },
]
"""


def test_transitive_import_is_a_warning(tmp_path: Path) -> None:
    """``anyio`` arrives with ``fastapi`` according to uv.lock: WARNING, not ERROR.

    ``starlette`` and ``pydantic`` are part of FastAPI's public API: declared through it.
    """
    project = build_project(
        tmp_path,
        {
            "uv.lock": UV_LOCK,
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n',
            "svc/main.py": (
                "import anyio\nfrom anyio import sleep\nimport starlette\nimport pydantic\n"
            ),
        },
    )
    evaluation = python_import_undeclared.check.evaluate(project)
    assert evaluation.subjects == tuple(
        f"{tmp_path.name}:{d}" for d in ("anyio", "pydantic", "starlette")
    )
    assert evaluation.findings == (
        Finding(
            code="KAB101",
            severity=Severity.WARNING,
            subject=f"{tmp_path.name}:anyio",
            message="'anyio' is imported but 'anyio' is not declared in pyproject.toml, the app's"
            " declared runtime dependencies; it is only installed as a dependency of 'fastapi'"
            " (uv.lock)",
            remediation='Add "anyio" to [project].dependencies in pyproject.toml, with the version'
            " range you deploy.",
            location=Location("svc/main.py", 1),
            evidence=(Evidence(title="imported at", text="svc/main.py:1\nsvc/main.py:2"),),
        ),
    )


def test_local_modules_scripts_namespace_and_src(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = []\n',
            "src/pkg/__init__.py": "import pkg.sub\nfrom nsp.plugins import loader\n",
            "src/pkg/sub.py": "import helpers\n",
            "src/nsp/plugins/loader.py": "",
            "alembic/env.py": "from alembic import context\n",
            "scripts/seed.py": "import helpers\nif __name__ == '__main__':\n    pass\n",
            "scripts/helpers.py": "",
            "tests/test_a.py": "import conftest_helpers\n",
            "tests/conftest_helpers.py": "",
            "setup.py": "from setuptools import setup\nsetup()\n",
        },
    )
    (app,) = python_apps(project)
    assert app.local_modules == frozenset({"alembic", "nsp", "pkg", "scripts", "setup", "tests"})
    evaluation = python_import_undeclared.check.evaluate(project)
    assert [(f.subject, f.location) for f in evaluation.findings] == [
        (f"{tmp_path.name}:alembic", Location("alembic/env.py", 1)),
        (f"{tmp_path.name}:helpers", Location("src/pkg/sub.py", 1)),
    ]


def test_a_file_in_a_folder_no_import_reaches_sees_its_siblings(tmp_path: Path) -> None:
    """``python tools/pdf/inspect.py`` puts ``tools/pdf`` on sys.path: its bare ``import
    pdf_parser`` is the file beside it. A namespace package's module gets no such reading:
    ``src/acme/cache/client.py`` is imported as ``acme.cache.client``, so its ``import redis``
    is the distribution even with a ``redis.py`` beside it."""
    project = build_project(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = []\n',
            "app/__init__.py": "from acme.cache import client\n",
            "tools/__init__.py": "",
            "tools/pdf/inspect.py": "import pickle\nfrom pdf_parser import Doc\nimport yaml\n",
            "tools/pdf/pdf_parser.py": "class Doc: ...\n",
            "src/acme/cache/client.py": "import redis\n",
            "src/acme/cache/redis.py": "",
        },
    )
    evaluation = python_import_undeclared.check.evaluate(project)
    assert sorted((f.subject, f.location) for f in evaluation.findings) == [
        (f"{tmp_path.name}:pyyaml", Location("tools/pdf/inspect.py", 3)),
        (f"{tmp_path.name}:redis", Location("src/acme/cache/client.py", 1)),
    ]


def test_failing_item_renders_the_finding(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    build_project(root, _backend(tmp_path))
    proc, report = run_kabul(root, "--kabul-select", "KAB101", "-k", "sentry")
    assert (
        "KAB101 backend/app/core/monitoring.py:8 'sentry_sdk' is imported but 'sentry-sdk' is not"
        " declared in backend/requirements.txt, the manifest backend/Dockerfile installs; no"
        " lockfile: whether 'sentry-sdk' arrives transitively cannot be known here; the"
        " import is guarded by an except clause, so the failure is silent [error]"
    ) in proc.stdout
    assert '  fix: Add the line "sentry-sdk" to backend/requirements.txt' in proc.stdout
    assert [f["subject"] for f in report["findings"]] == ["backend:sentry-sdk"]
    assert "Traceback" not in proc.stdout


def test_app_without_declared_dependencies(make_project: MakeProject) -> None:
    project = make_project({"requirements.txt": "# nothing yet\n", "job.py": "import boto3\n"})
    (finding,) = python_import_undeclared.check.evaluate(project).findings
    assert (finding.severity, finding.location, finding.message, finding.remediation) == (
        Severity.ERROR,
        Location("job.py", 1),
        "'boto3' is imported but 'boto3' is not declared in any manifest (the app declares no"
        " dependencies); no lockfile: whether 'boto3' arrives transitively cannot be known here",
        'Add the line "boto3" to requirements.txt, with the version range you deploy.',
    )


def test_unparseable_and_too_deep_files_are_problems_not_crashes(tmp_path: Path) -> None:
    deep = "x = " + "-" * 200_000 + "1\nimport yaml\n"  # MemoryError/RecursionError in ast
    project = build_project(
        tmp_path,
        {
            "requirements.txt": "pyyaml\n",
            "svc/deep.py": deep,
            "svc/new.py": "type Alias = int\nimport boto3\n",
            "svc/ok.py": "import yaml\n",
        },
    )
    evaluation = python_import_undeclared.check.evaluate(project)
    # svc/new.py (PEP 695) is read by the version-independent parser: its boto3 import counts.
    # svc/deep.py cannot be read at all: the verdict for the app is incomplete (an ERROR item).
    name = tmp_path.name
    assert evaluation.subjects == (f"{name}:boto3", f"{name}:pyyaml", f"{name}:svc/deep.py")
    assert [(f.subject, f.severity) for f in evaluation.findings] == [
        (f"{name}:boto3", Severity.ERROR),
        (f"{name}:svc/deep.py", Severity.ERROR),
    ]
    assert sorted(p.path for p in project.problems) == ["svc/deep.py"]


DEV_PYPROJECT = """
[project]
name = "svc"
dependencies = ["fastapi"]

[dependency-groups]
dev = ["watchfiles", "rich"]
server = ["redis"]
"""


def test_dev_only_distribution_imported_lazily_is_a_warning(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pyproject.toml": DEV_PYPROJECT,
            "uv.lock": "version = 1\n",
            "Dockerfile": (
                "FROM python:3.12\nCOPY . /app\nRUN uv sync --no-dev\n"
                'CMD ["uvicorn", "svc.main:app"]\n'
            ),
            "svc/__init__.py": "",
            "svc/main.py": "from fastapi import FastAPI\nimport rich\napp = FastAPI()\n",
            "svc/cli.py": (
                "def dev_start() -> None:\n    import watchfiles\n    watchfiles.run()\n\n\n"
                "def cache() -> None:\n    import redis\n"
            ),
        }
    )
    evaluation = python_import_undeclared.check.evaluate(project)
    found = {f.subject.split(":")[1]: f for f in evaluation.findings}
    lazy = found["watchfiles"]
    assert lazy.severity is Severity.WARNING
    assert lazy.message.endswith(
        "; it is declared only for development (dev) and imported only inside functions"
        " (svc/cli.py:2 in dev_start()), so only those code paths fail in production"
    )
    # a dev-only distribution imported at module level crashes the app at import: still ERROR
    assert found["rich"].severity is Severity.ERROR
    # a lazy import of a non-dev group the image leaves out is a production bug: still ERROR
    assert found["redis"].severity is Severity.ERROR
