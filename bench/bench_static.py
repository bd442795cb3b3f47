"""Time our static dependency (+ settings) scan against deptry and FawltyDeps.

    .venv/bin/python bench/bench_static.py [--modules 5000] [--repeat 3]

Projects: a generated monorepo backend with ``--modules`` Python modules (packages, stdlib,
third-party and local imports, guarded imports, some environment reads, a Dockerfile installing
the pyproject) and ``tests/projects/sweetshop``. Every tool runs as a fresh CLI process on the
same tree (interpreter start-up included for all), ``--repeat`` times; the median is reported
with the ratio tool/ours (> 1 means we are faster). "ours" evaluates KAB101 + KAB102 and, when
``pytest_kabul.project.python.settings.envreads`` exists, builds its ``env_reads`` facet (the
settings scan).
Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SWEETSHOP = REPO / "tests" / "projects" / "sweetshop"
THIRD_PARTY = [
    ("fastapi", "from fastapi import APIRouter, Depends"),
    ("sqlalchemy", "from sqlalchemy import select"),
    ("pydantic", "from pydantic import BaseModel"),
    ("redis", "import redis"),
    ("pyyaml", "import yaml"),
    ("pillow", "from PIL import Image"),
    ("requests", "import requests"),
    ("boto3", "import boto3"),
    ("python-dateutil", "from dateutil import parser"),
    ("httpx", "import httpx"),
    ("celery", "from celery import shared_task"),
]
UNDECLARED = ["import stripe", "import sentry_sdk", "from jose import jwt"]
OURS = """
import sys, time
from pathlib import Path
from pytest_kabul.project.core import Project
from pytest_kabul.checks.dependencies import image_manifest_drift, python_import_undeclared
project = Project(Path(sys.argv[1]))
python_import_undeclared.check.evaluate(project)
image_manifest_drift.check.evaluate(project)
try:
    from pytest_kabul.project.python.settings.envreads import env_reads
except ImportError:
    pass
else:
    env_reads(project)
"""


def module_text(rng: random.Random, pkg: int, mod: int, packages: int) -> str:
    lines = ['"""Generated module."""', "", "from __future__ import annotations", ""]
    lines += ["import logging", "import os", "from dataclasses import dataclass"]
    for _, stmt in rng.sample(THIRD_PARTY, 3):
        lines.append(stmt)
    other = rng.randrange(packages)
    lines.append(f"from app.pkg{other} import mod{rng.randrange(10)} as _peer")
    if rng.random() < 0.02:
        lines.append(rng.choice(UNDECLARED))
    lines += ["", "logger = logging.getLogger(__name__)", ""]
    if rng.random() < 0.1:
        lines.append(f'TIMEOUT = int(os.getenv("SERVICE_{pkg}_TIMEOUT", "30"))')
    lines += [
        "",
        "@dataclass(frozen=True)",
        f"class Record{mod}:",
        "    key: str",
        "    value: int",
    ]
    for fn in range(6):
        lines += [
            "",
            f"def handler_{fn}(items: list[Record{mod}]) -> int:",
            '    """Sum the values above a threshold."""',
            "    total = 0",
            "    for item in items:",
            f"        if item.value > {fn}:",
            "            total += item.value",
            f'    logger.debug("handler_{fn} %s", total)',
            "    return total",
        ]
    if rng.random() < 0.05:
        lines += [
            "",
            "def optional():",
            "    try:",
            "        import ujson",
            "    except ImportError:",
        ]
        lines += ["        ujson = None", "    return ujson"]
    return "\n".join(lines) + "\n"


def generate(root: Path, modules: int) -> Path:
    rng = random.Random(7)
    backend = root / "backend"
    packages = max(1, modules // 10)
    deps = ",\n    ".join(f'"{name}"' for name, _ in THIRD_PARTY)
    (backend / "app").mkdir(parents=True)
    (backend / "pyproject.toml").write_text(
        f'[project]\nname = "generated"\nversion = "1.0"\ndependencies = [\n    {deps},\n]\n'
        '\n[project.optional-dependencies]\ndev = ["pytest"]\n'
        '\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    (backend / "Dockerfile").write_text(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\n"
    )
    (backend / "app" / "__init__.py").write_text("")
    written = 0
    for pkg in range(packages):
        folder = backend / "app" / f"pkg{pkg}"
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        written += 1
        for mod in range(10):
            if written >= modules:
                break
            (folder / f"mod{mod}.py").write_text(module_text(rng, pkg, mod, packages))
            written += 1
    tests = backend / "tests"
    tests.mkdir()
    (tests / "test_smoke.py").write_text("import pytest\n\ndef test_ok():\n    assert True\n")
    return root


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def commands(root: Path) -> dict[str, tuple[list[str], Path]]:
    backend = root / "backend"
    return {
        "pytest-kabul (KAB101+KAB102+env)": ([sys.executable, "-c", OURS, str(root)], root),
        "deptry": ([str(BIN / "deptry"), "."], backend),
        "fawltydeps": (
            [str(BIN / "fawltydeps"), "--check", "--detailed", "--code", ".", "--deps", "."],
            backend,
        ),
    }


def bench(label: str, root: Path, repeat: int) -> None:
    print(f"\n{label}: {root}")
    py_files = sum(1 for _ in root.rglob("*.py"))
    print(f"  {py_files} Python files")
    results: dict[str, float] = {}
    for name, (argv, cwd) in commands(root).items():
        if not Path(argv[0]).exists():
            print(f"  {name:<36} not installed")
            continue
        runs = [timed(argv, cwd) for _ in range(repeat)]
        results[name] = statistics.median(runs)
    ours = next(iter(results.values()))
    print(f"  {'tool':<36} {'median s':>9} {'ratio tool/ours':>16}")
    for name, seconds in results.items():
        print(f"  {name:<36} {seconds:9.3f} {seconds / ours:16.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kabul-bench-") as tmp:
        root = generate(Path(tmp) / "generated", args.modules)
        bench(f"generated project ({args.modules} modules)", root, args.repeat)
        copy = Path(tmp) / "sweetshop"
        shutil.copytree(SWEETSHOP, copy, symlinks=True)
        bench("sweetshop fixture", copy, args.repeat)


if __name__ == "__main__":
    main()
