"""Time our static scans against deptry (and FawltyDeps), side by side, cold and warm.

    .venv/bin/python bench/bench_static.py [--repeat 3] [--deptry PATH] [--fawltydeps PATH]
                                           [--baseline-python PY]
                                           [--generate N] [TREE ...]

For every tree given (any folder: a corpus repository, a fetched one) and, with ``--generate N``,
a generated monorepo backend of N modules, each tool runs as a fresh process, the tools
interleaved round by round (so a machine shared with other work slows them alike), ``--repeat``
rounds; the median of each is printed with its wall time, CPU time (user + system, children
included) and peak RSS, and its wall-time ratio to deptry's (``x deptry`` < 1: faster than
deptry). Rows:

- ``scan cold`` / ``scan warm``: KAB101 + KAB102 + KAB201 (the dependency and settings scans) in
  one process, with an empty, then a primed cache (the evaluation store,
  ``pytest_kabul.evaluations``, over the per-file records, ``pytest_kabul.project.records``),
  with the import records computed on one forked worker per usable CPU
  (``pytest_kabul.project.python.prefetch``); ``scan cold -j1``: the same serially;
- ``scan records``: the same with primed per-file records but no evaluation store: about what a
  run after editing one file costs;
- ``static cold`` / ``static warm``: ``pytest --kabul-only`` with every static check, from a
  neutral folder (the tree's own pytest configuration is ignored), with ``--cache-clear``, then
  with the cache the previous run left; ``static cold -j1`` with ``--kabul-jobs=1`` (no
  prefetch workers, no helper process: see ``pytest_kabul/helper.py``);
- ``baseline scan`` (``--baseline-python``): ``scan cold -j1`` with another checkout's
  interpreter (a virtualenv with that checkout installed), for before/after figures;
- ``deptry``: its defaults, in the tree's folder holding the largest Python manifest. Install it
  in a separate virtualenv (``--deptry``), not in this project's dependencies.

``scan s`` is the scan's own time inside its process (from building the project model to the
saved evaluation store), without the interpreter's start and the plugin's import: the issue's
"warm <= 0.3 s for the scan itself" is read there, the wall column holds the whole process.

The load average is printed with the figures: ratios measured interleaved stay meaningful on a
busy machine, absolute times do not. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Bytecode cached as in an ordinary installation (PYTHONDONTWRITEBYTECODE, set in some CI images,
# would make every tool recompile its own modules on each run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
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
import sys
from pathlib import Path
from pytest_kabul.project.core import Project
from pytest_kabul.registry import all_checks
cache = Path(sys.argv[2]) if len(sys.argv) > 2 else None
mode = sys.argv[3] if len(sys.argv) > 3 else "store"
jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 0
checks = [c for c in all_checks() if c.code in ("KAB101", "KAB102", "KAB201")]
try:
    from pytest_kabul.evaluations import Evaluations
except ImportError:  # a checkout from before the evaluation store
    Evaluations = None
try:
    from pytest_kabul.project.python.prefetch import usable_cpus
except ImportError:  # a checkout from before the prefetch workers
    usable_cpus = None
import time
began = time.perf_counter()
try:
    if usable_cpus is not None:
        project = Project(Path(sys.argv[1]), cache_dir=cache, jobs=jobs or usable_cpus())
    else:
        project = Project(Path(sys.argv[1]), cache_dir=cache)
except TypeError:  # a checkout from before the record cache
    project = Project(Path(sys.argv[1]))
if Evaluations is None:
    for check in checks:
        check.evaluate(project)
else:
    evaluations = Evaluations(project, cache if mode == "store" else None)
    for check in checks:
        evaluations.evaluate(check)
    evaluations.save()
print("kabul-bench-scan-seconds", time.perf_counter() - began)
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
    # a checkout's files, not ones written a moment ago: the caches do not trust a file changed
    # within two seconds of reading it (git's "racily clean" rule), so a just-written tree would
    # make the first warm run a cold one
    when = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when))
    return root


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mib: float
    inside: float | None  # the scan's own time, from the project model to the saved store


def timed(argv: list[str], cwd: Path) -> Run:
    """Run once; wall time, CPU (user + system) and peak RSS of the process tree's largest."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, env=ENV)
        _pid, _status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = 0  # reaped by wait4
        out.seek(0)
        inside = None
        for line in out.read().decode(errors="replace").splitlines():
            if line.startswith("kabul-bench-scan-seconds "):
                inside = float(line.split()[1])
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, inside)


def manifest_folder(root: Path) -> Path:
    """The folder of the tree's Python manifest with the most Python files below it."""
    best, count = root, -1
    for manifest in sorted(root.rglob("pyproject.toml")) + sorted(root.rglob("requirements.txt")):
        if "node_modules" in manifest.parts or ".venv" in manifest.parts:
            continue
        n = sum(1 for _ in manifest.parent.rglob("*.py"))
        if n > count:
            best, count = manifest.parent, n
    return best


@dataclass
class Tool:
    name: str
    argv: list[str]
    cwd: Path
    before: list[str] | None = None  # a command run untimed before each timed run


def tools(root: Path, work: Path, args: argparse.Namespace) -> list[Tool]:
    scan_cache = work / "scan-cache"
    neutral = work / "neutral"
    neutral.mkdir(exist_ok=True)
    (neutral / "pytest.ini").write_text("[pytest]\n")
    static = [
        sys.executable, "-m", "pytest", "-c", f"{neutral}/pytest.ini", f"--rootdir={neutral}",
        "--kabul-only", f"--kabul-root={root}", "-m", "kabul and not kabul_live", "-q",
        "-p", "no:randomly",
    ]  # fmt: skip
    out = [
        Tool("scan cold", [sys.executable, "-c", OURS, str(root), str(work / "cold")], root,
             ["rm", "-rf", str(work / "cold")]),
        Tool("scan cold -j1", [sys.executable, "-c", OURS, str(root), str(work / "cold"), "store",
                               "1"], root, ["rm", "-rf", str(work / "cold")]),
        Tool("scan warm", [sys.executable, "-c", OURS, str(root), str(scan_cache)], root),
        Tool("scan records", [sys.executable, "-c", OURS, str(root), str(scan_cache), "records"],
             root),
        Tool("static cold", [*static, "--cache-clear"], neutral),
        Tool("static cold -j1", [*static, "--cache-clear", "--kabul-jobs=1"], neutral),
        Tool("static warm", static, neutral),
    ]  # fmt: skip
    if args.baseline_python:
        base = work / "baseline-cold"
        argv = [args.baseline_python, "-c", OURS, str(root), str(base), "store", "1"]
        out.append(Tool("baseline scan", argv, root, ["rm", "-rf", str(base)]))
    deptry = args.deptry or shutil.which("deptry") or str(BIN / "deptry")
    if Path(deptry).exists():
        out.append(Tool("deptry", [deptry, "."], manifest_folder(root)))
    fawltydeps = Path(args.fawltydeps or shutil.which("fawltydeps") or BIN / "fawltydeps")
    if fawltydeps.exists():
        argv = [str(fawltydeps), "--check", "--detailed", "--code", ".", "--deps", "."]
        out.append(Tool("fawltydeps", argv, manifest_folder(root)))
    return out


def bench(label: str, root: Path, repeat: int, args: argparse.Namespace) -> None:
    py_files = sum(1 for _ in root.rglob("*.py"))
    with tempfile.TemporaryDirectory(prefix="kabul-bench-") as tmp:
        work = Path(tmp)
        chosen = tools(root, work, args)
        # prime the warm caches (not timed)
        for tool in chosen:
            if tool.name.endswith("warm"):
                subprocess.run(tool.argv, cwd=tool.cwd, capture_output=True, check=False, env=ENV)
        runs: dict[str, list[Run]] = {t.name: [] for t in chosen}
        loads = [os.getloadavg()[0]]
        for _ in range(repeat):
            for tool in chosen:  # interleaved: one run of each tool per round
                if tool.before:
                    subprocess.run(tool.before, check=False)
                runs[tool.name].append(timed(tool.argv, tool.cwd))
            loads.append(os.getloadavg()[0])
    print(f"\n{label}: {root} ({py_files} Python files)")
    print(f"  load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f} on"
          f" {os.cpu_count()} cores (shared with other work)")  # fmt: skip
    base = runs.get("deptry")
    print(f"  {'tool':<14} {'wall s':>7} {'cpu s':>7} {'peak MiB':>8}   x deptry: wall  cpu  rss"
          "   scan s")  # fmt: skip
    for name, found in runs.items():
        inside = [r.inside for r in found if r.inside is not None]
        scan = f"   {statistics.median(inside):6.3f}" if inside else ""
        wall = statistics.median(r.wall for r in found)
        cpu = statistics.median(r.cpu for r in found)
        rss = max(r.rss_mib for r in found)
        ratios = ""
        if base:
            d_wall = statistics.median(r.wall for r in base)
            d_cpu = statistics.median(r.cpu for r in base)
            d_rss = max(r.rss_mib for r in base)
            ratios = f"{wall / d_wall:16.2f} {cpu / d_cpu:4.1f} {rss / d_rss:4.1f}"
        print(f"  {name:<14} {wall:7.2f} {cpu:7.2f} {rss:8.0f} {ratios:<26}{scan}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="also bench a generated backend of N modules")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--deptry", help="deptry executable (install it in its own venv)")
    parser.add_argument("--fawltydeps", help="FawltyDeps executable (its own venv, like deptry)")
    parser.add_argument("--baseline-python", help="interpreter of another checkout to compare")
    args = parser.parse_args()
    for tree in args.trees:
        bench(tree.name, tree.resolve(), args.repeat, args)
    if args.generate:
        with tempfile.TemporaryDirectory(prefix="kabul-gen-") as tmp:
            root = generate(Path(tmp) / "generated", args.generate)
            bench(f"generated project ({args.generate} modules)", root, args.repeat, args)
    if not args.trees and not args.generate:
        copy = Path(tempfile.mkdtemp(prefix="kabul-sweetshop-")) / "sweetshop"
        shutil.copytree(SWEETSHOP, copy, symlinks=True)
        try:
            bench("sweetshop fixture", copy, args.repeat, args)
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
