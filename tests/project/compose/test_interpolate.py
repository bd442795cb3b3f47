"""Interpolation, ``.env`` parsing and the YAML 1.2 loader of the compose model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pytest_kabul.project.compose.interpolate import (
    CComposeLoader,
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


TESTS = Path(__file__).resolve().parents[2]
# Anchors and merge keys (the text that takes libyaml's path), YAML 1.2 scalars, tags, flow
# and block styles, quoting, multi-line scalars.
SAMPLE = """\
x-common: &common
  restart: unless-stopped
  environment: &env
    MODE: "yes"
    PORTS: 22:22
    OCTAL: 0o17
    HEX: 0x1F
    FLOAT: 1.5e3
    OFF: off
    WHEN: 2024-01-01
services:
  api:
    <<: *common
    environment:
      <<: *env
      EXTRA: ~
    ports: !override ["8000:8000"]
    labels: !reset {}
    command: >
      uvicorn app:app
      --workers 2
  worker: {<<: *common, command: [celery, -A, app, worker], tty: true}
"""


def _compose_files() -> list[Path]:
    return sorted(
        p for p in TESTS.rglob("*.y*ml") if "compose" in p.name and "__pycache__" not in p.parts
    )


@pytest.mark.skipif(CComposeLoader is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize(
    "source", ["sample", *(p.relative_to(TESTS).as_posix() for p in _compose_files())]
)
def test_libyaml_reads_what_pyyaml_reads(source: str) -> None:
    """The same data, service lines and key lines on both paths, errors included."""
    text = SAMPLE if source == "sample" else (TESTS / source).read_text(encoding="utf-8")

    def parsed(fast: bool) -> object:
        try:
            return parse_compose_yaml(text, fast=fast)
        except yaml.YAMLError as exc:
            return f"error: {exc}"

    assert parsed(True) == parsed(False)


def test_yaml_1_2_scalars_on_the_fast_path() -> None:
    env = parse_compose_yaml(SAMPLE).data["services"]["api"]["environment"]
    assert env == {
        "MODE": "yes",
        "PORTS": "22:22",
        "OCTAL": 15,
        "HEX": 31,
        "FLOAT": 1500.0,
        "OFF": "off",
        "WHEN": "2024-01-01",
        "EXTRA": None,
    }


def test_anchor_bomb_and_duplicate_keys_are_refused_on_both_paths() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    for fast in (True, False):
        with pytest.raises(yaml.YAMLError, match="anchor bomb"):
            parse_compose_yaml(bomb, fast=fast)
        with pytest.raises(yaml.YAMLError, match="duplicate key 'ports'"):
            parse_compose_yaml("x: &a {k: 1}\nservices:\n  a: {ports: [], ports: []}\n", fast=fast)


def test_a_text_libyaml_refuses_reports_pyyamls_error() -> None:
    text = "services:\n  a: [unclosed\n"
    with pytest.raises(yaml.YAMLError) as fast:
        parse_compose_yaml(text)
    with pytest.raises(yaml.YAMLError) as slow:
        parse_compose_yaml(text, fast=False)
    assert str(fast.value) == str(slow.value)
