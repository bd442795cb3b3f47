"""Where a finding leads: the documentation page of each check.

The default base is the ``docs/checks/`` folder of the project's repository, rendered by the
forge; ``[tool.kabul] docs-url`` points elsewhere (an internal mirror, a pinned tag).
"""

from __future__ import annotations

REPOSITORY = "https://github.com/pytest-kabul/pytest-kabul"
DEFAULT_DOCS_URL = f"{REPOSITORY}/blob/main/docs/checks/"


def check_url(code: str, base: str | None = None) -> str:
    """The page of ``code``: ``<base>/KAB101.md`` (default base: :data:`DEFAULT_DOCS_URL`)."""
    root = (base or DEFAULT_DOCS_URL).rstrip("/")
    return f"{root}/{code}.md"
