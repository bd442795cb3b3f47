"""Source segments from lines split once (pytest_kabul.project.python.segments): exactly what
``ast.get_source_segment`` returns."""

from __future__ import annotations

import ast

import pytest

from pytest_kabul.project.python.segments import segment, source_lines

SOURCES = [
    "x = 1\r\ny = (2 +\r 3)\nz = {'a':\r\n  'é'}\n",
    "a = 'ü'\x0c\nb = ('ö',\n 2)  # \u2028 not a line end\nc = f'{a!r:>{b}}'",
    "def f(\n    p: int = 3,\n) -> str:\n    return 'data:image/png;base64,' + str(p)\n",
    "z = 1",
    "",
]


@pytest.mark.parametrize("text", SOURCES)
def test_every_node_matches_get_source_segment(text: str) -> None:
    nodes = list(ast.walk(ast.parse(text)))
    assert nodes
    for node in nodes:
        assert segment(text, node) == ast.get_source_segment(text, node)


def test_lines_keep_their_ends_and_ignore_form_feeds() -> None:
    assert source_lines("a\r\nb\rc\x0cd\ne") == ("a\r\n", "b\r", "c\x0cd\n", "e")
