"""Safe YAML loading for untrusted project files: bounded alias expansion, tags kept as values."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 200  # PyYAML recurses per level and its scanner slows quadratically with depth


def too_deep(text: str, limit: int = MAX_YAML_DEPTH) -> bool:
    """A linear pre-scan: flow brackets nested past ``limit`` or a line indented past ``limit``
    levels (``limit * 2`` columns would already be absurd). Quoted text and comments are
    skipped roughly; a false alarm needs hundreds of brackets, which no real file has."""
    if re.search(rf"^ {{{limit * 4 + 1}}}", text, re.MULTILINE):
        return True
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    quote = ""
    at_line_start = True
    indent = 0
    for char in text:
        if at_line_start:
            if char == " ":
                indent += 1
                if indent > limit * 4:
                    return True
                continue
            at_line_start = False
        if char == "\n":
            at_line_start, indent = True, 0
            quote = "" if quote == "'" else quote
            continue
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth = max(0, depth - 1)
    return False


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Node count with aliases expanded, memoised per distinct node (so a bomb costs little)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # cycles (recursive anchors) count once
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = size
    return size


class BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents whose aliases expand past a bound ("billion laughs").

    PyYAML shares aliased objects, so the bomb only detonates in whoever walks the result
    (interpolation, merging, our checks): refuse it at load time, naming the file.
    """

    def __init__(self, stream: Any) -> None:
        if isinstance(stream, str) and too_deep(stream):
            raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep; not loaded")
        super().__init__(stream)

    def compose_document(self) -> yaml.Node | None:
        node: yaml.Node | None = super().compose_document()
        return bounded(node) if node is not None else None


def bounded(node: yaml.Node) -> yaml.Node:
    """``node``, unless its aliases expand past :data:`MAX_YAML_NODES` (then YAMLError)."""
    if _expanded_size(node, {}) > MAX_YAML_NODES:
        raise yaml.YAMLError(
            f"aliases expand to more than {MAX_YAML_NODES} nodes (an anchor bomb?); not loaded"
        )
    return node


# Compose files use ``!reset`` / ``!override`` tags; keep them as plain values.
def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


BoundedSafeLoader.add_multi_constructor("!", _tagged)

# An anchor or alias (``&name`` / ``*name``: libyaml and PyYAML take ASCII letters, digits, ``_``
# and ``-``) where a node may start: not ``&&`` in a shell line or the ``*`` of a glob.
ANCHOR_RE = re.compile(r"(?:^|[^\w&*])[&*][\w-]")
FastSafeLoader: Any = None
if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml

    class _Fast(yaml.CSafeLoader):
        """libyaml's parser and composer, tags kept as values; :func:`documents` applies the
        alias bound to each node graph before it is constructed."""

    _Fast.add_multi_constructor("!", _tagged)
    FastSafeLoader = _Fast


def documents(
    loader_class: Any,
    text: str,
    *,
    first: bool = False,
    check: Callable[[yaml.Node], object] | None = None,
) -> list[tuple[yaml.Node, Any]]:
    """(node, data) of every document of ``text`` (``first``: of the first one only), each
    node graph bounded (:func:`bounded`) and checked (``check``, which raises YAMLError)
    before it is constructed: an anchor bomb is refused before anything expands it."""
    loader = loader_class(text)
    out: list[tuple[yaml.Node, Any]] = []
    try:
        while loader.check_node():
            node = bounded(loader.get_node())
            if check is not None:
                check(node)
            out.append((node, loader.construct_document(node)))
            if first:
                break
    finally:
        loader.dispose()
    return out


def load_all(text: str) -> list[Any]:
    """Every document of ``text``. libyaml parses and composes it when PyYAML has it (several
    times faster; the alias bound applies to its node graph); a text libyaml refuses, or
    nested too deeply for its recursion, goes through :class:`BoundedSafeLoader`, whose error
    is the one reported, the same on every installation."""
    if FastSafeLoader is not None and not too_deep(text):
        try:
            return [data for _node, data in documents(FastSafeLoader, text)]
        except yaml.YAMLError:
            pass
    return list(yaml.load_all(text, Loader=BoundedSafeLoader))
