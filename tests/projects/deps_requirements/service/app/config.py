import yaml
from dateutil.parser import isoparse


def parse(text: str) -> object:
    return yaml.safe_load(text), isoparse("2024-01-01")
