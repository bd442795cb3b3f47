"""Time KAB110/KAB601/KAB701/KAB702 on the fixture projects (fresh project model each run).

    .venv/bin/python bench/bench_frontend_checks.py [--repeat 5]

Prints, per fixture: best-of-N wall time for building the model and running the four checks,
the share of the one-second budget (issue 5: "all static checks together on the sweetshop
fixture in well under a second"), and files indexed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pytest_kabul.project.core import Project
from pytest_kabul.registry import REGISTRY, all_checks

CODES = ("KAB110", "KAB601", "KAB701", "KAB702")
PROJECTS = Path(__file__).resolve().parent.parent / "tests" / "projects"


def run(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    project = Project(root)
    for code in CODES:
        REGISTRY[code].evaluate(project)
    return time.perf_counter() - start, len(project.files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    all_checks()
    print(f"{'fixture':18} {'files':>6} {'best s':>8} {'budget%':>8}")
    for name in ("sweetshop", "healthy", "next_variants", "next_darwin_lock"):
        times = []
        files = 0
        for _ in range(args.repeat):
            elapsed, files = run(PROJECTS / name)
            times.append(elapsed)
        print(f"{name:18} {files:6d} {min(times):8.3f} {100 * min(times):7.1f}%")


if __name__ == "__main__":
    main()
