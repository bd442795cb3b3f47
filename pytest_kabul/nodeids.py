"""Readiness item ids given on the command line (``pytest "kabul::KAB101[backend:redis]"``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True, kw_only=True)
class NodeSelection:
    """The ids taken out of the arguments; ``only``: nothing else was named, so nothing else
    runs (the project's own tests collected through ``testpaths`` are deselected too)."""

    ids: tuple[str, ...]
    only: bool


NODE_IDS = pytest.StashKey[NodeSelection]()


def names(node_id: str, wanted: str) -> bool:
    """Whether ``wanted`` names the item ``node_id``: ``kabul::KAB101`` names every item of the
    check, ``kabul::KAB101[subject]`` one item."""
    if "[" in wanted:
        return node_id == wanted
    return node_id == wanted or node_id.startswith(wanted + "[")
