"""Shared helpers for pytest-kabul's own tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECTS = Path(__file__).parent / "projects"
OWNER_MARK = "PYTEST_KABUL_TEST_ROOT"


def copy_project(name: str, dest: Path) -> Path:
    """Copy a fixture project (symlinks kept as links) so runs never write into the repo."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target, symlinks=True)
    return target


def run_kabul(
    root: Path, *args: str, timeout: float = 600
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``pytest --kabul-readiness`` in a real subprocess and return (process, JSON report)."""
    report = root.parent / f"{root.name}-kabul.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env[OWNER_MARK] = str(root)  # inherited by what the run starts: leak checks count only those
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--kabul-readiness",
            "--kabul-only",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            f"--rootdir={root}",
            f"--kabul-json={report}",
            *args,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if not report.exists():
        pytest.fail(f"no JSON report; exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc, json.loads(report.read_text())
