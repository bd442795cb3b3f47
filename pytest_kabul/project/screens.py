"""Literal screens run before a regex over a whole file's text.

Python's ``re`` finds a pattern that starts with a literal quickly (it skips ahead to that
character), but a case-insensitive alternation, or one anchored on ``\\b``, is tried at every
position: over every file of a large tree that costs a second per pattern. A screen asks first
whether the text holds any of the literals every match must contain, with ``in`` (a fast
search in C), and the regex runs only on the texts that pass. A screen may pass a text the
regex then rejects; it never rejects a text the regex would match, so the answers are the same.
"""

from __future__ import annotations

import re


def may_contain(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words`` (literals, case-sensitive)."""
    return any(word in text for word in words)


class Folded:
    """A case-insensitive pattern behind a screen of the literals every match holds.

    ``pattern`` is written in lower case (its literals; classes such as ``\\S`` and ``[\\w-]``
    are caseless). An ASCII text (a flag CPython keeps: no scan) is lowered once; the screen
    and then the pattern *without* ``re.IGNORECASE`` run on that, which ``re`` searches several
    times faster. Case-insensitive matching also pairs a few non-ASCII letters with ASCII ones
    (the Kelvin sign with ``k``, the long s with ``s``), which ``str.lower`` does not: any
    other text is searched with ``re.IGNORECASE`` as is. Either way the answer is the
    case-insensitive search's."""

    def __init__(self, pattern: str, words: tuple[str, ...]) -> None:
        self.words = words
        self.lowered = re.compile(pattern)
        self.folded = re.compile(pattern, re.IGNORECASE)

    def search(self, text: str) -> bool:
        if not text.isascii():
            return self.folded.search(text) is not None
        low = text.lower()
        return any(word in low for word in self.words) and self.lowered.search(low) is not None
