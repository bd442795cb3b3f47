"""In-repository libraries an image installs: which of their modules a service runs, and the
KAB101 verdict on their imports (pytest_kabul.project.python.library_code)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytest_kabul.checks.dependencies import python_import_undeclared
from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.library_code import libraries, reachable
from tests.helpers import PROJECTS, MakeProject

FIXTURE = PROJECTS / "deps_inrepo_library"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    return root


def _kab101(root: Path) -> dict[str, Severity]:
    found = python_import_undeclared.check.evaluate(Project(root)).findings
    return {f.subject: f.severity for f in found}


def test_library_is_found_with_its_packages_and_main_dependencies() -> None:
    (lib,) = libraries(Project(FIXTURE))
    assert (lib.name, lib.manifest, lib.packages) == (
        "acme-memory",
        "pyproject.toml",
        frozenset({"acme_memory"}),
    )
    assert lib.main == {"httpx", "pydantic"}
    assert lib.provides(("llms",)) == {"httpx", "pydantic", "google-genai", "groq"}


def test_registry_entries_are_reached_only_for_the_selected_keys() -> None:
    project = Project(FIXTURE)
    (lib,) = libraries(project)
    files = reachable(project, lib, ("acme_memory",), frozenset({"gemini"}))
    assert files == (
        "acme_memory/__init__.py",
        "acme_memory/factory.py",
        "acme_memory/llms/__init__.py",
        "acme_memory/llms/gemini.py",
        "acme_memory/memory.py",
        "acme_memory/utils/__init__.py",
        "acme_memory/utils/text.py",
    )
    none = reachable(project, lib, ("acme_memory",), frozenset())
    assert "acme_memory/llms/gemini.py" not in none
    assert "acme_memory/archive.py" not in none  # never imported


def test_the_selected_provider_import_is_an_error_of_the_service() -> None:
    assert _kab101(FIXTURE) == {
        "server:google-genai": Severity.ERROR,
        "server:spacy": Severity.WARNING,
    }


def test_a_provider_the_service_never_names_is_not_judged(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    main = root / "server/main.py"
    main.write_text(main.read_text().replace('"gemini"', '"openai"'))
    assert _kab101(root) == {"server:spacy": Severity.WARNING}
    main.write_text(main.read_text().replace('"openai")', '"groq")'))
    assert _kab101(root) == {"server:groq": Severity.ERROR, "server:spacy": Severity.WARNING}


def test_an_installed_extra_provides_its_dependencies(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    reqs = root / "server/requirements.txt"
    reqs.write_text(reqs.read_text().replace("acme-memory>=1.4", "acme-memory[llms,nlp]>=1.4"))
    assert _kab101(root) == {}


def test_a_service_that_does_not_import_the_library_judges_none_of_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "server/main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    assert _kab101(root) == {}


def test_a_path_install_makes_the_library_code_runtime(make_project: MakeProject) -> None:
    files = {
        f"sdk/{p.relative_to(FIXTURE).as_posix()}": p.read_text()
        for p in FIXTURE.rglob("*.py")
        if not p.relative_to(FIXTURE).as_posix().startswith("server/")
    }
    files["sdk/pyproject.toml"] = (FIXTURE / "pyproject.toml").read_text()
    files["api/main.py"] = (FIXTURE / "server/main.py").read_text()
    files["api/requirements.txt"] = "fastapi\nuvicorn\n"
    files["compose.yaml"] = """
        services:
          api:
            build: {context: ., dockerfile: api/Dockerfile}
    """
    files["api/Dockerfile"] = """
        FROM python:3.12-slim
        COPY sdk /sdk
        COPY api /app
        RUN pip install "/sdk[nlp]" && pip install -r /app/requirements.txt
        WORKDIR /app
        CMD ["uvicorn", "main:app"]
    """
    project = make_project(files)
    found = python_import_undeclared.check.evaluate(project).findings
    assert {(f.subject, f.severity, f.location.path) for f in found} == {
        ("api:google-genai", Severity.ERROR, "sdk/acme_memory/llms/gemini.py")
    }
