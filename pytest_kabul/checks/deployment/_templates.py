"""Why the deployment checks found no compose file, when the only ones are templates."""

from __future__ import annotations

import re

from pytest_kabul.project.core import Project

_COMPOSE = re.compile(r"^(docker-)?compose([._-][^/]*)?\.ya?ml(\.j2|\.jinja2?)?$")


def no_compose_reason(project: Project) -> str:
    """``no compose file``, naming the compose templates that were not judged."""
    templates = sorted(
        rel for rel in project.files.templates if _COMPOSE.match(rel.rsplit("/", 1)[-1])
    )
    if not templates:
        return "no compose file"
    shown = ", ".join(templates[:3]) + (" …" if len(templates) > 3 else "")
    return (
        f"no compose file of the project; {shown} is a template (cookiecutter/Jinja), judged"
        " only once rendered: render it, then run the checks on the generated project"
    )
