"""Cost of having pytest-kabul installed but not enabled (issue 15, item 6).

Generates a 500-test suite and times ``pytest --co -q`` three ways, alternating runs so all see
the same machine state:

* installed, flag off: the plugin's entry point loads, as in any project that installs it;
* ``-p no:kabul``: the plugin's module is never imported (its own cost, target ratio <= 1.01);
* "uninstalled": ``-p no:kabul`` and the pytest plugins installed only because pytest-kabul
  depends on them (pytest-html with pytest-metadata, pytest-docker) blocked as well, which is
  what a project without pytest-kabul loads (their distributions stay on disk, so scanning the
  entry points costs the same).

Prints the median CPU time (user + system) of each and both ratios, and the import time of
``pytest_kabul.plugin`` measured by ``python -X importtime``. On a shared machine use many
runs (the medians move by ~1 %).

    python bench/bench_overhead.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def make_suite(root: Path, modules: int = 50, tests_per_module: int = 10) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    for m in range(modules):
        body = "\n".join(
            f"def test_{m}_{t}():\n    assert {t} + 1 == {t + 1}\n" for t in range(tests_per_module)
        )
        (root / f"test_mod_{m}.py").write_text(body)


# Bytecode caching as in an ordinary installation: with PYTHONDONTWRITEBYTECODE set (as in some
# CI images) pytest re-parses and assertion-rewrites every module of an entry-point plugin on
# every run (pytest marks them for rewriting), which is ~4 % of this suite's CPU time for ours.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(root: Path, *extra: str) -> float:
    """CPU seconds (user + system) of one ``pytest --co`` process: on a machine shared with
    other jobs the wall clock mostly measures them, the child's CPU time measures pytest."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
        env=ENV,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plugin_import_us() -> int:
    out = subprocess.run(
        # pytest first, so the cumulative figure is the plugin's own cost
        [sys.executable, "-X", "importtime", "-c", "import pytest; import pytest_kabul.plugin"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    for line in out.splitlines():
        if line.rstrip().endswith("| pytest_kabul.plugin"):
            return int(line.split("|")[1])
    return -1


# The pytest plugins (entry-point names) a project gets only by installing pytest-kabul.
DEPENDENCY_PLUGINS = ("html", "html_fixtures", "metadata", "docker")
MODES: dict[str, tuple[str, ...]] = {
    "installed, flag off": (),
    "-p no:kabul": ("-p", "no:kabul"),
    "uninstalled (+ its plugin deps)": tuple(
        arg for name in ("kabul", *DEPENDENCY_PLUGINS) for arg in ("-p", f"no:{name}")
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        for extra in MODES.values():  # warm the OS caches and bytecode
            run(root, *extra)
        for _ in range(args.runs):
            for mode, extra in MODES.items():
                times[mode].append(run(root, *extra))
    median = {mode: statistics.median(values) for mode, values in times.items()}
    off, blocked, bare = median.values()
    print(f"pytest --co on 500 tests, CPU time, median of {args.runs} alternating runs")
    for mode, value in median.items():
        print(f"{mode:<40}{value * 1000:>9.1f} ms")
    print(f"{'ratio off / -p no:kabul (target <= 1.01)':<40}{off / blocked:>9.3f}")
    print(f"{'ratio off / uninstalled':<40}{off / bare:>9.3f}")
    print(f"{'import pytest_kabul.plugin':<40}{plugin_import_us():>9d} us (after pytest)")


if __name__ == "__main__":
    main()
