"""Readiness item ids given on the command line (``pytest "kabul::KAB101[backend:redis]"``)."""

from __future__ import annotations

import pytest

ID_PREFIX = "kabul::"
# The ids taken out of the arguments, kept for the session plugin's selection.
NODE_IDS = pytest.StashKey[tuple[str, ...]]()


def names(node_id: str, wanted: str) -> bool:
    """Whether ``wanted`` names the item ``node_id``: ``kabul::KAB101`` names every item of the
    check, ``kabul::KAB101[subject]`` one item."""
    if "[" in wanted:
        return node_id == wanted
    return node_id == wanted or node_id.startswith(wanted + "[")
