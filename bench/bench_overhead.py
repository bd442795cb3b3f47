"""Cost of having pytest-kabul installed but not enabled.

Generates a 500-test suite and times ``pytest --co -q`` with the plugin loaded (its entry point,
as in any environment where it is installed) and with ``-p no:kabul``, alternating runs so both
see the same machine state. Prints medians and the ratio (target: <= 1.02). Also prints the
import time of ``pytest_kabul.plugin`` measured by ``python -X importtime``.

    python bench/bench_overhead.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(root: Path, modules: int = 50, tests_per_module: int = 10) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    for m in range(modules):
        body = "\n".join(
            f"def test_{m}_{t}():\n    assert {t} + 1 == {t + 1}\n" for t in range(tests_per_module)
        )
        (root / f"test_mod_{m}.py").write_text(body)


def run(root: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_suite(root)
        run(root)  # warm the OS caches and bytecode
        run(root, "-p", "no:kabul")
        with_plugin: list[float] = []
        without: list[float] = []
        for _ in range(args.runs):
            with_plugin.append(run(root))
            without.append(run(root, "-p", "no:kabul"))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"pytest --co on 500 tests, median of {args.runs} alternating runs")
    print(f"{'with pytest-kabul (not enabled)':<36}{a * 1000:>9.1f} ms")
    print(f"{'-p no:kabul':<36}{b * 1000:>9.1f} ms")
    print(f"{'ratio (target <= 1.02)':<36}{a / b:>9.3f}")
    print(f"{'import pytest_kabul.plugin':<36}{plugin_import_us():>9d} us (after pytest)")


if __name__ == "__main__":
    main()
