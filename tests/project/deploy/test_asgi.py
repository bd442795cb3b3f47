"""Where replicas come from: ASGI targets, working dirs, health routes and probe paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.checks.scaling.rate_limit_not_shared_across_replicas import probe_paths
from pytest_kabul.config import parse_config
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import api_prefix, asgi_apps, health_path
from tests.helpers import PROJECTS


def apps(project: Project) -> list[tuple[str, str, bool, str | None]]:
    return [
        (a.subject, a.app_dir, a.factory, str(a.location) if a.location else None)
        for a in asgi_apps(project)
    ]


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("sweetshop", [("backend:app.main:app", "backend", False, "backend/Dockerfile:15")]),
        ("scaling_redis", [("backend:app.main:app", "backend", False, "backend/Procfile:1")]),
        (
            "scaling_factory",
            [("service:shop.app:create_app", "service/src", True, "service/Procfile:1")],
        ),
        (
            "scaling_slowapi_redis",
            [("backend:app.main:app", "backend", False, "backend/Dockerfile:5")],
        ),
        ("scaling_none", [("scaling_none:app.main:app", "", False, "app/main.py:3")]),  # AST
    ],
)
def test_asgi_apps(scenario: str, expected: list[tuple[str, str, bool, str | None]]) -> None:
    assert apps(Project(PROJECTS / scenario)) == expected


def test_health_prefix_and_probe_paths_on_sweetshop() -> None:
    project = Project(PROJECTS / "sweetshop")
    [app] = asgi_apps(project)
    assert health_path(project, app) == "/health"
    assert api_prefix(project, app) == "/api/v1"  # include_router(prefix=settings.API_V1_PREFIX)
    paths = probe_paths(project, app)
    assert paths[0] == "/api/v1/__kabul_probe__"
    assert "/health" not in paths


def test_only_route_is_health_is_still_probed() -> None:
    project = Project(PROJECTS / "scaling_slowapi_memory")
    [app] = asgi_apps(project)
    assert (health_path(project, app), probe_paths(project, app)) == (
        "/ping",
        ["/__kabul_probe__", "/ping"],
    )


def test_configuration_wins(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "svc" / "api.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    config = parse_config(
        {
            "live": {
                "app": "api:build()",
                "app_dir": "svc",
                "health_path": "/up",
                "rate_limit_paths": ["/login"],
            }
        },
        "pyproject.toml",
    )
    project = Project(tmp_path, config)
    [app] = asgi_apps(project)
    assert (app.subject, app.app_dir, app.factory) == ("svc:api:build", "svc", True)
    assert (health_path(project, app), probe_paths(project, app)) == ("/up", ["/login"])


def test_routes_with_a_route_level_limiter_are_probed_first() -> None:
    project = Project(PROJECTS / "scaling_slowapi_redis")
    [app] = asgi_apps(project)
    assert probe_paths(project, app) == ["/search", "/__kabul_probe__"]


def test_without_a_server_command_only_modules_naming_an_app_class_are_parsed(
    tmp_path: Path,
) -> None:
    """The fallback looks for ``app = FastAPI()`` / ``Starlette()`` at module level: a module
    whose text names neither cannot hold one, so it is not parsed for it."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi"]\n'
    )
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "util.py").write_text("import os\n\n\ndef helper():\n    return 1\n")
    (tmp_path / "svc" / "web.py").write_text(
        "import starlette.applications as sa\n\nweb = sa.Starlette(routes=[])\n"
    )
    (tmp_path / "svc" / "api.py").write_text(
        "import fastapi\nfrom svc import util\n\napplication = fastapi.FastAPI()\n"
    )
    project = Project(tmp_path)
    [(subject, *rest)] = apps(project)
    assert (subject.split(":", 1)[1], *rest) == ("svc.api:application", "", False, "svc/api.py:4")
    assert "svc/util.py" not in project._trees
    assert "svc/util.py" not in project._recent
