# /// script
# requires-python = ">=3.13"
# dependencies = ["rich"]
# ///
"""A PEP 723 script: judged against its own dependencies, not the service's."""

import requests
from rich import print as rprint

rprint(requests.get("https://example.invalid", timeout=5).status_code)
