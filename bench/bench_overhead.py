"""Cost of having pytest-kabul installed but not enabled (issue 15, item 6).

Generates a 500-test suite and times ``pytest --co -q`` three ways, alternating runs so all see
the same machine state:

* installed, flag off: the plugin's entry point loads, as in any project that installs it;
* ``-p no:kabul``: the plugin's module is never imported (its own cost, target ratio <= 1.01);
* "uninstalled": ``-p no:kabul`` and the pytest plugins installed only because pytest-kabul
  depends on them (pytest-html with pytest-metadata, pytest-docker) blocked as well, which is
  what a project without pytest-kabul loads (their distributions stay on disk, so scanning the
  entry points costs the same).

Prints the median CPU time (user + system) of each and the ratios, and the import time of
``pytest_kabul.plugin`` measured by ``python -X importtime``. The target ratio is the median of
the per-round ratios (each round runs every mode once, back to back), which cancels the slow
drift of a machine shared with other jobs better than a ratio of medians. A fourth mode runs
``-p no:kabul`` a second time: its ratio to the first (A/A) is the noise floor of the run, and
the spread of the per-round ratios (quartiles) says how far a single figure can be trusted.
On a loaded machine the ratios move by several per cent between runs of this bench: run it
when the machine is quiet, with many rounds.

``--instructions`` counts instead the instructions each mode executes, under valgrind's
callgrind (one run per mode, ~30 s each, ``PYTHONHASHSEED=0``): deterministic to a few parts in
ten thousand whatever else the machine runs, so it is the figure to hold against the target on
a shared machine (instructions are not time; C-level work such as reading files weighs the
same per instruction as the interpreter's).

    python bench/bench_overhead.py [--runs 21] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
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


def instructions(root: Path, *extra: str) -> int:
    """Instructions executed by one ``pytest --co`` process, counted by callgrind."""
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    pytest_co = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [*valgrind, *pytest_co, *extra],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        env={**ENV, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no total:\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def count_instructions(root: Path) -> None:
    counts = {mode: instructions(root, *extra) for mode, extra in MODES.items()}
    print("pytest --co on 500 tests, instructions (callgrind, one run per mode)")
    for mode, count in counts.items():
        print(f"{mode:<44}{count / 1e6:>9.1f} M")
    for label, mode, base in (
        ("off / -p no:kabul (target <= 1.01)", OFF, BLOCKED),
        ("A/A: -p no:kabul / -p no:kabul (noise)", BLOCKED_AGAIN, BLOCKED),
        ("off / uninstalled", OFF, BARE),
    ):
        print(f"{label:<44}{counts[mode] / counts[base]:>9.4f}")


def plugin_import_us() -> int:
    return min(_plugin_import_us() for _ in range(3))  # the first may compile bytecode


def _plugin_import_us() -> int:
    out = subprocess.run(
        # pytest first, so the cumulative figure is the plugin's own cost
        [sys.executable, "-X", "importtime", "-c", "import pytest; import pytest_kabul.plugin"],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,  # cached bytecode, as in the timed runs
    ).stderr
    for line in out.splitlines():
        if line.rstrip().endswith("| pytest_kabul.plugin"):
            return int(line.split("|")[1])
    return -1


# The pytest plugins (entry-point names) a project gets only by installing pytest-kabul.
DEPENDENCY_PLUGINS = ("html", "html_fixtures", "metadata", "docker")
OFF, BLOCKED, BLOCKED_AGAIN, BARE = (
    "installed, flag off",
    "-p no:kabul",
    "-p no:kabul (again, A/A control)",
    "uninstalled (+ its plugin deps)",
)
MODES: dict[str, tuple[str, ...]] = {
    OFF: (),
    BLOCKED: ("-p", "no:kabul"),
    BARE: tuple(arg for name in ("kabul", *DEPENDENCY_PLUGINS) for arg in ("-p", f"no:{name}")),
    BLOCKED_AGAIN: ("-p", "no:kabul"),
}


def paired(times: dict[str, list[float]], mode: str, base: str) -> tuple[float, float, float]:
    """Quartiles (25 %, median, 75 %) of the per-round ratios ``mode / base``."""
    ratios = [a / b for a, b in zip(times[mode], times[base], strict=True)]
    low, mid, high = statistics.quantiles(ratios, n=4)
    return low, mid, high


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions with callgrind instead"
    )
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        for extra in MODES.values():  # warm the OS caches and bytecode
            run(root, *extra)
        if args.instructions:
            count_instructions(root)
            return
        for round_ in range(args.runs):
            order = list(MODES.items())
            if round_ % 2:  # alternate the order too: no mode always follows the same one
                order.reverse()
            for mode, extra in order:
                times[mode].append(run(root, *extra))
    median = {mode: statistics.median(values) for mode, values in times.items()}
    print(f"pytest --co on 500 tests, CPU time, median of {args.runs} alternating rounds")
    for mode, value in median.items():
        print(f"{mode:<44}{value * 1000:>9.1f} ms")
    print(f"{'per-round ratio':<44}{'median':>9} {'(quartiles)':>17}")
    for label, mode, base in (
        ("off / -p no:kabul (target <= 1.01)", OFF, BLOCKED),
        ("A/A: -p no:kabul / -p no:kabul (noise)", BLOCKED_AGAIN, BLOCKED),
        ("off / uninstalled", OFF, BARE),
    ):
        low, mid, high = paired(times, mode, base)
        print(f"{label:<44}{mid:>9.3f} ({low:.3f} .. {high:.3f})")
    print(f"{'import pytest_kabul.plugin':<44}{plugin_import_us():>9d} us (after pytest)")


if __name__ == "__main__":
    main()
