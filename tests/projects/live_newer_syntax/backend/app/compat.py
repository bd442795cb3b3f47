"""Helpers written for Python 3.14 (PEP 758: an except clause without parentheses)."""


def parse_total(text: str) -> int:
    try:
        return int(text)
    except ValueError, TypeError:
        return 0
