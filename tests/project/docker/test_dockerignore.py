"""``.dockerignore`` matching: the last rule that matches a path or a folder above it decides."""

from __future__ import annotations

import itertools
import re

import pytest

from pytest_kabul.project.docker.images import _rules, ignored

PATTERNS = (
    "# not a rule",
    "node_modules",
    "**/__pycache__",
    "*.md",
    "!README.md",
    "docs/**",
    "!docs/keep/**",
    "build/",
    "**/.env*",
    "!**/.env.example",
    "tests",
    "!tests/fixtures/data.json",
    "a*b*c",
)


def _reference(rel: str, patterns: tuple[str, ...]) -> bool:
    """Every rule against every prefix of the path, the last matching rule first."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    for negate, source in reversed(_rules(patterns)):
        regex = re.compile(source)
        if any(regex.match(prefix) for prefix in prefixes):
            return not negate
    return False


NAMES = ["README.md", "x.md", ".env", ".env.example", "data.json", "app.py", "aXbYc", "keep"]
FOLDERS = ["", "node_modules", "docs", "docs/keep", "src/__pycache__", "build", "tests/fixtures"]
PATHS = [f"{folder}/{name}".lstrip("/") for folder, name in itertools.product(FOLDERS, NAMES)]


@pytest.mark.parametrize("order", ["files first", "folders first"])
def test_ignored_agrees_with_every_rule_on_every_prefix(order: str) -> None:
    # a distinct last line per order: a fresh matcher (and folder memo) for each
    patterns = (*(p for p in PATTERNS if not p.startswith("#")), f"# {order}")
    paths = PATHS if order == "files first" else sorted(PATHS, key=lambda p: p.count("/"))
    assert [ignored(p, patterns) for p in paths] == [_reference(p, patterns) for p in paths]


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("README.md", False),  # re-included after *.md
        ("x.md", True),
        ("docs/guide.txt", True),
        ("docs/keep/guide.txt", False),
        ("src/__pycache__/m.pyc", True),
        ("node_modules/pkg/index.js", True),
        ("deploy/.env.prod", True),
        ("deploy/.env.example", False),
        ("tests/test_x.py", True),
        (
            "tests/fixtures/data.json",
            False,
        ),  # re-included inside an excluded folder, as Docker does
        ("aXbYc", True),
        ("app/main.py", False),
    ],
)
def test_ignored_decisions(rel: str, expected: bool) -> None:
    assert ignored(rel, PATTERNS) is expected
