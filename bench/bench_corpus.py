"""Precision and recall of the static checks on the development corpus (real repositories).

    python bench/bench_corpus.py [--corpus DIR] [--codes KAB1,KAB2] [-v] [TREE ...]

For every expected-findings file ``bench/corpus/<tree>.toml`` whose tree exists under the corpus
folder (default ``$KABUL_CORPUS`` or ``/work/corpus``; export a pinned revision of each repository
there, see ``shared/CORPUS.md``), runs ``pytest --kabul-only`` with the static checks on it from a
neutral folder (so the tree's own pytest configuration is ignored), writes the JSON report to
``bench/_work/corpus/<tree>.json`` and scores it: a blocking finding (error/critical) whose
subject matches a ``must_fail`` pattern is a true positive, one matching ``may_fail`` is
debatable, any other is a false positive; recall counts the ``must_fail`` patterns hit.
``--warnings`` scores warning findings of every code too.

A code named in full in ``--codes`` (``--codes KAB103,KAB206``) is also selected with
``--kabul-select``, so opt-in checks run, and its findings are scored at every severity (a
WARNING-level check is otherwise never measured).

A measurement, not a test: the trees are not part of this repository. Figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLOCKING = ("error", "critical")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    debatable: int = 0
    hit: int = 0
    must: int = 0
    false: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.debatable += other.debatable
        self.hit += other.hit
        self.must += other.must

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.hit / self.must if self.must else 1.0


def score(
    expected: dict[str, dict[str, list[str]]],
    findings: list[dict[str, object]],
    prefixes: tuple[str, ...],
    levels: tuple[str, ...] = BLOCKING,
) -> dict[str, Score]:
    exact = {p for p in prefixes if len(p) == 6}
    blocking = [f for f in findings if f["severity"] in levels or f["code"] in exact]
    out: dict[str, Score] = {}
    for code in sorted(set(expected) | {str(f["code"]) for f in blocking}):
        if prefixes and not code.startswith(prefixes):
            continue
        must = [re.compile(r) for r in expected.get(code, {}).get("must_fail", [])]
        may = [re.compile(r) for r in expected.get(code, {}).get("may_fail", [])]
        found = [f for f in blocking if f["code"] == code]
        s = Score(must=len(must))
        for f in found:
            subject = str(f["subject"])
            if any(r.search(subject) for r in must):
                s.tp += 1
            elif any(r.search(subject) for r in may):
                s.debatable += 1
            else:
                s.fp += 1
                s.false.append(f"{subject}  {f.get('path')}:{f.get('line')}")
        for r in must:
            if any(r.search(str(f["subject"])) for f in found):
                s.hit += 1
            else:
                s.missed.append(r.pattern)
        out[code] = s
    return out


def run_tree(tree: Path, report: Path, select: tuple[str, ...] = ()) -> float:
    with tempfile.TemporaryDirectory() as neutral:
        Path(neutral, "pytest.ini").write_text("[pytest]\n")
        cmd = [
            sys.executable, "-m", "pytest", "-c", f"{neutral}/pytest.ini", f"--rootdir={neutral}",
            "--kabul-only", f"--kabul-root={tree}", "-m", "kabul and not kabul_live",
            f"--kabul-json={report}", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        ]  # fmt: skip
        if select:  # every check, plus the opt-in ones named by their full code
            cmd += ["--kabul-select", ",".join(("KAB", *select))]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=neutral, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    if not report.exists():
        raise RuntimeError(f"no report for {tree} (exit {proc.returncode}):\n{proc.stdout[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--corpus", default=os.environ.get("KABUL_CORPUS", "/work/corpus"))
    parser.add_argument("--codes", default="", help="code prefixes to score, e.g. KAB1,KAB2")
    parser.add_argument("--reuse", action="store_true", help="score existing reports only")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--warnings", action="store_true", help="score warning findings too")
    args = parser.parse_args()
    prefixes = tuple(p.strip() for p in args.codes.split(",") if p.strip())
    work = HERE / "_work" / "corpus"
    work.mkdir(parents=True, exist_ok=True)
    total = Score()
    by_code: dict[str, Score] = {}
    rows = []
    for expected_file in sorted((HERE / "corpus").glob("*.toml")):
        name = expected_file.stem
        tree = Path(args.corpus) / name
        if (args.trees and name not in args.trees) or not tree.is_dir():
            continue
        expected = tomllib.loads(expected_file.read_text())
        report = work / f"{name}.json"
        elapsed = 0.0
        if not args.reuse:
            report.unlink(missing_ok=True)
            elapsed = run_tree(tree, report, tuple(p for p in prefixes if len(p) == 6))
        findings = json.loads(report.read_text())["findings"]
        levels = ("warning", *BLOCKING) if args.warnings else BLOCKING
        scores = score(expected.get("codes", {}), findings, prefixes, levels)
        tree_score = Score()
        for code, s in scores.items():
            tree_score.add(s)
            by_code.setdefault(code, Score()).add(s)
        total.add(tree_score)
        rows.append((name, tree_score, elapsed))
        if args.verbose:
            print(f"== {name} ({expected.get('tree', '?')})")
            for code, s in scores.items():
                for line in s.false:
                    print(f"   FP {code} {line}")
                for pattern in s.missed:
                    print(f"   missed {code} {pattern}")
    header = (
        f"{'tree':32} {'TP':>4} {'FP':>4} {'deb':>4} {'recall':>9} {'precision':>9} {'time':>6}"
    )
    print(header)
    for name, s, elapsed in rows:
        print(f"{name:32} {s.tp:4} {s.fp:4} {s.debatable:4} {s.hit:4}/{s.must:<4} "
              f"{s.precision:9.0%} {elapsed:5.1f}s")  # fmt: skip
    t = total
    print(
        f"{'TOTAL':32} {t.tp:4} {t.fp:4} {t.debatable:4} {t.hit:4}/{t.must:<4} {t.precision:9.0%}"
    )
    print()
    print(f"{'code':8} {'TP':>4} {'FP':>4} {'deb':>4} {'recall':>9} {'precision':>9}")
    for code, s in sorted(by_code.items()):
        print(
            f"{code:8} {s.tp:4} {s.fp:4} {s.debatable:4} {s.hit:4}/{s.must:<4} {s.precision:9.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
