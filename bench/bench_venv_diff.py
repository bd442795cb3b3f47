"""Same commit, same verdict: the static checks in a plugin-only venv vs one with the tree's deps.

    python bench/bench_venv_diff.py [--corpus DIR] [--codes KAB1] [--keep] [TREE ...]

For every corpus tree (default ``$KABUL_CORPUS`` or ``/work/corpus``), runs ``pytest --kabul-only``
with the static checks twice: in a fresh venv holding only this plugin, and in a fresh venv
holding the plugin plus the tree's dependencies (best effort: ``pip install`` of every
``requirements*.txt`` without a dev word and every ``pyproject.toml`` that declares
``[project].dependencies``, each in its own pip call so one unresolvable manifest does not stop
the others; failures are listed). Prints, per tree, how many blocking findings (error/critical)
differ between the two runs. Target: 0. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BLOCKING = ("error", "critical")
DEV_WORDS = ("dev", "test", "lint", "doc", "ci", "typing", "mypy", "format", "check", "local")


def venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(ROOT)], check=True, capture_output=True)
    return python


def manifests(tree: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(tree.rglob("*")):
        rel = path.relative_to(tree).as_posix()
        if "node_modules" in rel or "/." in f"/{rel}" or not path.is_file():
            continue
        name = path.name.lower()
        if name.startswith("requirements") and name.endswith(".txt"):
            if not any(w in name for w in DEV_WORDS):
                found.append(path)
        elif name == "pyproject.toml":
            try:
                data = tomllib.loads(path.read_text())
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            if data.get("project", {}).get("dependencies"):
                found.append(path)
    return found


def install_tree(python: Path, tree: Path, timeout: float) -> list[str]:
    failed: list[str] = []
    for manifest in manifests(tree):
        target = ["-r", str(manifest)] if manifest.suffix == ".txt" else [str(manifest.parent)]
        cmd = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *target]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            ok = proc.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        if not ok:
            failed.append(manifest.relative_to(tree).as_posix())
    return failed


def run(python: Path, tree: Path, codes: str) -> set[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as neutral:
        Path(neutral, "pytest.ini").write_text("[pytest]\n")
        report = Path(neutral, "report.json")
        cmd = [
            str(python), "-m", "pytest", "-c", f"{neutral}/pytest.ini", f"--rootdir={neutral}",
            "--kabul-only", f"--kabul-root={tree}", "-m", "kabul and not kabul_live",
            f"--kabul-json={report}", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        ]  # fmt: skip
        subprocess.run(cmd, cwd=neutral, capture_output=True, text=True)
        if not report.exists():
            raise RuntimeError(f"no report for {tree}")
        findings = json.loads(report.read_text())["findings"]
    prefixes = tuple(c for c in codes.split(",") if c)
    return {
        (f["code"], str(f["subject"]), f["severity"])
        for f in findings
        if f["severity"] in BLOCKING and (not prefixes or str(f["code"]).startswith(prefixes))
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--corpus", default=os.environ.get("KABUL_CORPUS", "/work/corpus"))
    parser.add_argument("--codes", default="KAB1", help="code prefixes to compare")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per pip call")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    trees = [corpus / t for t in args.trees] if args.trees else sorted(corpus.iterdir())
    with tempfile.TemporaryDirectory() as work:
        plain = venv(Path(work, "plugin-only"))
        print(f"{'tree':32} {'only-plugin':>11} {'with-deps':>9} {'differ':>6}  pip failures")
        for tree in trees:
            if not tree.is_dir():
                continue
            full = venv(Path(work, f"deps-{tree.name}"))
            failed = install_tree(full, tree, args.timeout)
            # the tree may pin an old pytest/packaging: the plugin's own requirements win
            pip = [str(full), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            subprocess.run([*pip, "-e", str(ROOT)], capture_output=True)
            try:
                a, b = run(plain, tree, args.codes), run(full, tree, args.codes)
            except RuntimeError as exc:
                print(f"{tree.name:32} run failed: {exc}")
                continue
            differ = sorted(a ^ b)
            print(
                f"{tree.name:32} {len(a):11} {len(b):9} {len(differ):6}  {', '.join(failed) or '-'}"
            )
            for item in differ:
                side = "only-plugin" if item in a else "with-deps"
                print(f"    {side}: {' '.join(item)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
