"""Our compose loader against ``docker compose config --format json``, the authority.

Runs only where the compose CLI plugin is installed (``docker compose config`` needs no engine);
here it is not, so these tests skip with that reason and the loader is tested against expected
normalised models in ``test_compose_model.py`` instead. Models whose files use variables
without a value are skipped (compose refuses ``${VAR:?}``; its shell environment is not ours).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel
from pytest_kabul.project.core import Project
from tests.helpers import PROJECTS


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    proc = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False, timeout=30
    )
    return proc.returncode == 0


AVAILABLE = _compose_available()
SCENARIOS = sorted(p.name for p in PROJECTS.iterdir() if p.name.startswith(("compose_", "deploy_")))


def _authority(root: Path, model: ComposeModel) -> dict[str, Any]:
    args = ["docker", "compose", "--project-directory", str(root / (model.directory or "."))]
    for rel in model.files:
        args += ["-f", str(root / rel)]
    proc = subprocess.run(
        [*args, "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _command(value: object) -> list[str] | None:
    if value is None:
        return None
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]  # type: ignore[union-attr]


@pytest.mark.skipif(not AVAILABLE, reason="the docker compose CLI plugin is not installed here")
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_loader_agrees_with_docker_compose_config(scenario: str) -> None:
    root = PROJECTS / scenario
    compared = 0
    for model in compose_models(Project(root)):
        if model.unknown_variables:
            continue
        theirs = _authority(root, model)["services"]
        assert sorted(theirs) == sorted(s.name for s in model.started)
        for name, svc in theirs.items():
            ours = model.services[name]
            assert ours.image == svc.get("image") or ours.build_context is not None
            assert _command(ours.command) == svc.get("command")
            assert dict(ours.environment) == (svc.get("environment") or {})
            assert sorted(
                (str(p.get("target")), p.get("published") or None, p.get("host_ip") or None)
                for p in svc.get("ports", [])
            ) == sorted((p.target, p.published, p.host_ip) for p in ours.ports)
        compared += 1
    if not compared:
        pytest.skip(f"{scenario}: every model uses variables without a value")
