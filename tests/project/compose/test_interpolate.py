"""Interpolation, ``.env`` parsing and the YAML 1.2 loader of the compose model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pytest_kabul.project.compose.interpolate import (
    Interpolator,
    Override,
    Partial,
    Reset,
    parse_compose_yaml,
    parse_dotenv,
)
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project

ENV = {"SET": "v", "EMPTY": "", "HOST": "db"}


@pytest.mark.parametrize(
    ("text", "expected", "partial", "unknown"),
    [
        ("plain", "plain", False, set()),
        ("$SET-${SET}", "v-v", False, set()),
        ("${MISSING:-${HOST}:5432}", "db:5432", False, set()),
        ("${MISSING:-${ALSO_MISSING}}", "${ALSO_MISSING}", True, {"ALSO_MISSING"}),
        ("${EMPTY:-d}|${EMPTY-d}|${MISSING-d}", "d||d", False, set()),
        ("${EMPTY:?e}", "${EMPTY}", True, {"EMPTY"}),
        ("${EMPTY?e}", "", False, set()),
        ("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${MISSING+alt}", "alt||alt|", False, set()),
        ("$$SET costs $$5", "$SET costs $5", False, set()),
        ("trailing $", "trailing $", False, set()),
        ("${unclosed", "${unclosed", False, set()),
        ("$MISSING/x", "${MISSING}/x", True, {"MISSING"}),
    ],
)
def test_interpolation(text: str, expected: str, partial: bool, unknown: set[str]) -> None:
    interp = Interpolator(ENV)
    result = interp.sub(text)
    assert (result, isinstance(result, Partial), interp.unknown) == (expected, partial, unknown)


def test_dotenv() -> None:
    text = (
        "# comment\n\nexport A=1\nB = spaced  # trailing comment\nC='single ${A} #x'\n"
        'D="double ${A}\\nline"\nE="multi\nline"\nF=${A}-${NOPE:-n}\nnot a line\n=bad\n'
        "G=a#b\n"
    )
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "spaced",
        "C": "single ${A} #x",
        "D": "double 1\nline",
        "E": "multi\nline",
        "F": "1-n",
        "G": "a#b",
    }


def test_yaml_tags_and_lines() -> None:
    parsed = parse_compose_yaml(
        "services:\n  a:\n    ports: !override ['1:1']\n    environment: !reset {}\n"
        "    labels: !custom {x: y}\n  b: {}\n"
    )
    assert parsed.data == {
        "services": {
            "a": {"ports": Override(["1:1"]), "environment": Reset(), "labels": {"x": "y"}},
            "b": {},
        }
    }
    assert dict(parsed.service_lines) == {"a": 2, "b": 6}
    assert dict(parsed.key_lines["a"]) == {"ports": 3, "environment": 4, "labels": 5}


def test_yaml_recursive_alias_is_refused_by_the_loader(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text("x: &a [*a]\nservices: {}\n")
    project = Project(tmp_path)
    assert compose_models(project) == ()
    assert [p.message for p in project.problems] == ["invalid YAML: recursive alias"]


def test_yaml_error_propagates() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_compose_yaml("a: [unclosed\n")
