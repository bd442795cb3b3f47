"""The manifest facet: the parsed manifest at a path, whatever its kind, cached per project."""

from __future__ import annotations

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.manifests.model import Manifest
from pytest_kabul.project.python.manifests.pyproject import parse_pyproject
from pytest_kabul.project.python.manifests.requirements import parse_requirements_file
from pytest_kabul.project.python.manifests.setup_files import (
    parse_pipfile,
    parse_setup_cfg,
    parse_setup_py,
)


@facet
def _cache(project: Project) -> dict[str, Manifest | None]:
    return {}


def manifest(project: Project, path: str) -> Manifest | None:
    """The parsed manifest at ``path`` (any supported kind), cached per project."""
    cache = _cache(project)
    if path not in cache:
        cache[path] = None  # an include cycle sees the file as empty instead of recursing
        cache[path] = _parse(project, path)
    return cache[path]


def _parse(project: Project, path: str) -> Manifest | None:
    if path not in project.files:
        return None
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return parse_pyproject(project, path)
    if name == "setup.cfg":
        return parse_setup_cfg(project, path)
    if name == "setup.py":
        return parse_setup_py(project, path)
    if name == "Pipfile":
        return parse_pipfile(project, path)
    return parse_requirements_file(project, path, load=manifest)
