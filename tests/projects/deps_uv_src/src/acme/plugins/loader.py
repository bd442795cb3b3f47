"""A namespace package (no __init__.py anywhere under src/acme)."""


def discover() -> list[str]:
    return []
