"""Time the compose model and the deployment checks (KAB501-KAB504, KAB203) on a fixture.

    .venv/bin/python bench/bench_deploy.py [--project tests/projects/sweetshop] [--repeat 5]

Each run builds a fresh ``Project`` (no facet cache), so the figure includes the file walk,
compose loading, Dockerfile parsing and, for KAB203, the Python env-read/Settings scan. Prints
best-of-N and median wall time of: the compose model alone, each check alone (cold), and all of
them together, with the ratio to the budget (well under 1 s on the sweetshop fixture, issue 5)
and to a bare ``yaml.safe_load`` of the same compose files (our loader's overhead).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project
from pytest_kabul.registry import all_checks

CODES = ("KAB203", "KAB501", "KAB502", "KAB503", "KAB504")
BUDGET = 1.0


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project", default=str(Path(__file__).parent.parent / "tests/projects/sweetshop")
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(args.project)
    checks = [c for c in all_checks() if c.code in CODES]

    probe = Project(root)
    files = sorted({f for m in compose_models(probe) for f in m.files})
    texts = [(root / f).read_text() for f in files]

    def bare_yaml() -> None:
        for text in texts:
            yaml.safe_load(text)

    def model() -> None:
        compose_models(Project(root))

    def everything() -> None:
        project = Project(root)
        for check in checks:
            check.evaluate(project)

    print(f"project: {root}  compose files: {', '.join(files) or '-'}  repeat: {args.repeat}")
    rows: list[tuple[str, Callable[[], None]]] = [("yaml.safe_load (baseline)", bare_yaml)]
    rows.append(("compose model", model))
    for check in checks:

        def one(check: object = check) -> None:
            check.evaluate(Project(root))  # type: ignore[attr-defined]

        rows.append((f"{check.code} {check.name} (cold)", one))
    rows.append(("all five checks, one project", everything))
    print(f"{'what':44} {'best s':>9} {'median s':>9} {'x budget':>9} {'x yaml':>8}")
    base = 0.0
    for label, fn in rows:
        best, median = _time(fn, args.repeat)
        base = base or best
        ratio = best / base
        print(f"{label:44} {best:9.4f} {median:9.4f} {best / BUDGET:9.3f} {ratio:8.1f}")


if __name__ == "__main__":
    main()
