"""A small valid monorepo plus a runner that collects every output format of one session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

TIME_BOUND = 120.0
SENTINEL = "KABUL-SENTINEL-OUTSIDE-c0ffee42"

MAIN = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"ok": "yes"}
"""
COMPOSE = """\
services:
  api:
    build: ./backend
    ports:
      - "127.0.0.1:8000:8000"
"""
DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def base_repo(tmp: Path) -> Path:
    """``tmp/outside/`` holds a sentinel file; ``tmp/repo/`` is a valid monorepo (with .git)."""
    write(tmp, "outside/secret.txt", f"{SENTINEL}\nPASSWORD={SENTINEL}\n")
    write(tmp, "outside/compose.yml", f"services:\n  leak:\n    image: {SENTINEL.lower()}\n")
    write(tmp, "outside/x.env", f"LEAK={SENTINEL}\n")
    root = tmp / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, "backend/app/__init__.py", "")
    write(root, "backend/app/main.py", MAIN)
    write(root, "backend/requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\n")
    write(root, "backend/Dockerfile", DOCKERFILE)
    write(root, "docker-compose.yml", COMPOSE)
    return root


@dataclass
class Run:
    code: int
    seconds: float
    outputs: dict[str, str]

    @property
    def text(self) -> str:
        return "\n".join(self.outputs.values())


def run(root: Path, *args: str, timeout: float = TIME_BOUND, baseline: bool = True) -> Run:
    """One real ``pytest --kabul-readiness`` session writing terminal, JSON, SARIF, JUnit, HTML
    (and a baseline) output; every output's text is returned for the secret/sentinel checks."""
    out = root.parent / "out"
    out.mkdir(exist_ok=True)
    files = {
        "json": out / "report.json",
        "sarif": out / "report.sarif",
        "junit": out / "junit.xml",
        "html": out / "report.html",
        "baseline": out / "baseline.json",
    }
    for path in files.values():
        path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--kabul-readiness",
        "--kabul-only",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-m",
        "kabul and not kabul_live",
        "-rA",
        f"--rootdir={root}",
        f"--kabul-json={files['json']}",
        f"--kabul-sarif={files['sarif']}",
        f"--junitxml={files['junit']}",
        f"--html={files['html']}",
        "--self-contained-html",
    ]
    if baseline:
        command += [f"--kabul-baseline={files['baseline']}", "--kabul-baseline-write"]
    started = time.monotonic()
    proc = subprocess.run(
        [*command, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    outputs = {"terminal": proc.stdout + proc.stderr}
    for name, path in files.items():
        if path.is_file():
            outputs[name] = path.read_text(encoding="utf-8", errors="replace")
    return Run(proc.returncode, seconds, outputs)
