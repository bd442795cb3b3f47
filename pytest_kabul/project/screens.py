"""Literal screens run before a regex over a whole file's text.

Python's ``re`` finds a pattern that starts with a literal quickly (it skips ahead to that
character), but a case-insensitive alternation, or one anchored on ``\\b``, is tried at every
position: over every file of a large tree that costs a second per pattern. A screen asks first
whether the text holds any of the literals every match must contain, with ``in`` (a fast
search in C), and the regex runs only on the texts that pass. A screen may pass a text the
regex then rejects; it never rejects a text the regex would match, so the answers are the same.
"""

from __future__ import annotations


def may_contain(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words`` (literals, case-sensitive)."""
    return any(word in text for word in words)


def may_contain_folded(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words`` (lower-case literals) in any letter case, as an
    ``re.IGNORECASE`` pattern matches them. Case-insensitive matching also pairs a few
    non-ASCII letters with ASCII ones (the Kelvin sign with ``k``, the long s with ``s``), which
    ``str.lower`` does not: a text that is not ASCII (a flag CPython keeps; no scan) passes."""
    if not text.isascii():
        return True
    folded = text.lower()
    return any(word in folded for word in words)
