"""PEP 723 inline script metadata: a ``# /// script`` block makes a file its own small app.

``uv run script.py`` / ``pipx run`` install the block's ``dependencies`` for that file alone, so
its imports are judged against them, never against the surrounding app's manifest.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pytest_kabul.project.core import Project, facet

# The reference regular expression of PEP 723.
BLOCK_RE = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")


@dataclass(frozen=True)
class InlineScript:
    path: str
    dependencies: tuple[str, ...]  # canonical names
    requires_python: str | None


@facet
def _scripts(project: Project) -> dict[str, InlineScript | None]:
    return {}


def inline_script(project: Project, path: str) -> InlineScript | None:
    """The PEP 723 ``script`` metadata of a file, or None (a Problem when it is malformed)."""
    cache = _scripts(project)
    if path in cache:
        return cache[path]
    if project.records.get(path, "script") is False:
        cache[path] = None  # known from an earlier run: no ``# /// script`` block
        return None
    text = project.read_text(path)
    result: InlineScript | None = None
    if text is not None and "# /// script" not in text:
        project.records.put(path, "script", False, text)
    if text is not None and "# /// script" in text:
        blocks = [m for m in BLOCK_RE.finditer(text) if m.group("type") == "script"]
        if len(blocks) > 1:
            project.problem(path, "more than one '# /// script' block (PEP 723 forbids it)")
        elif blocks:
            content = "".join(
                line[2:] if line.startswith("# ") else line[1:]
                for line in blocks[0].group("content").splitlines(keepends=True)
            )
            try:
                data = tomllib.loads(content)
            except tomllib.TOMLDecodeError as exc:
                project.problem(path, f"the '# /// script' block is not valid TOML: {exc}")
                data = None
            if data is not None:
                deps: list[str] = []
                for text_req in data.get("dependencies", []) or []:
                    try:
                        deps.append(canonicalize_name(Requirement(str(text_req)).name))
                    except InvalidRequirement:
                        project.problem(path, f"not a valid requirement: {text_req!r}")
                requires = data.get("requires-python")
                result = InlineScript(
                    path, tuple(sorted(set(deps))), requires if isinstance(requires, str) else None
                )
    cache[path] = result
    return result
