"""An ordinary module that happens to be named setup.py (not a packaging manifest)."""

import yaml


def load_defaults() -> dict[str, str]:
    return yaml.safe_load("a: b")
