"""Remediation text for the dependency checks: which manifest, which table, which line."""

from __future__ import annotations

from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.installs import ImageInstall, app_manifests
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.library_code import Library, libraries
from pytest_kabul.project.python.manifests.model import (
    Declared,
    DepKind,
    Manifest,
    ManifestKind,
    is_dev_name,
)
from pytest_kabul.project.python.manifests.reader import manifest
from pytest_kabul.project.python.usages import Site


def describe(d: Declared) -> str:
    if d.kind is DepKind.EXTRA:
        return (
            f"the extra '{d.group}' of {d.source}"
            if d.group
            else f"an optional dependency of {d.source}"
        )
    if d.kind is DepKind.GROUP:
        return f"the '{d.group}' group of {d.source}"
    return d.source


def where_declared(
    project: Project, app: PythonApp, cands: tuple[str, ...], install: ImageInstall
) -> str | None:
    places = sorted(
        {describe(d) for m in app_manifests(project, app) for d in m.deps if d.name in cands}
    )
    return " and ".join(places) if places else None


def add_to(m: Manifest, dist: str) -> str:
    if m.kind is ManifestKind.REQUIREMENTS:
        return f'Add the line "{dist}" to {m.path}'
    if m.kind is ManifestKind.SETUP_CFG:
        return f'Add "{dist}" to install_requires under [options] in {m.path}'
    if m.kind is ManifestKind.SETUP_PY:
        return f'Add "{dist}" to install_requires in the setup() call of {m.path}'
    if m.kind is ManifestKind.PIPFILE:
        return f'Add {dist} = "*" under [packages] in {m.path}'
    if m.style == "poetry":
        return f"Add {dist} under [tool.poetry.dependencies] in {m.path} (poetry add {dist})"
    return f'Add "{dist}" to [project].dependencies in {m.path}'


def _compiled_source(project: Project, m: Manifest) -> str | None:
    """The input a compiled requirements file is generated from (``.in``, else pyproject)."""
    if m.kind is not ManifestKind.REQUIREMENTS or not m.lock_like:
        return None
    folder = m.path.rsplit("/", 1)[0] + "/" if "/" in m.path else ""
    for candidate in (m.path.removesuffix(".txt") + ".in", f"{folder}pyproject.toml"):
        if candidate in project.files:
            return candidate
    return None


def add_advice(project: Project, app: PythonApp, install: ImageInstall, dist: str) -> str:
    targets = [m for m in (manifest(project, p) for p in install.manifests) if m is not None]
    if not targets:
        mine = app_manifests(project, app)
        targets = [m for m in mine if m.kind is not ManifestKind.REQUIREMENTS] or [
            m for m in mine if not is_dev_name(m.path.rsplit("/", 1)[-1])
        ]
    if not targets:
        return f'Declare "{dist}" in {app.path("pyproject.toml")} under [project].dependencies'
    text = add_to(targets[0], dist) + ", with the version range you deploy"
    compiled = _compiled_source(project, targets[0])
    if compiled is not None:
        text = f'Add "{dist}" to {compiled} and recompile {targets[0].path}'
    if install.dockerfile:
        text += f" ({install.dockerfile} installs this manifest)"
    return text + "."


def optional_advice(install: ImageInstall, d: Declared) -> str:
    """The import is declared, but only in an extra or group the image does not install."""
    if d.kind is DepKind.EXTRA and d.group:
        return (
            f"Install the extra '{d.group}' in {install.dockerfile} (pip install \".[{d.group}]\","
            f" uv sync --extra {d.group}, poetry install --extras {d.group}), or move"
            f' "{d.requirement}" to the runtime dependencies of {d.source}.'
        )
    return f'Move "{d.requirement}" from {describe(d)} to its runtime dependencies.'


def optional_declaration(install: ImageInstall, app_decls: list[Declared]) -> Declared | None:
    """A declaration in a manifest the image installs, in an extra/group it does not install."""
    for d in sorted(app_decls, key=Declared.sort_key):
        if d.source in install.manifests and d.kind is not DepKind.RUNTIME:
            return d
    return None


def test_advice(project: Project, app: PythonApp, dist: str) -> str:
    for m in app_manifests(project, app):
        groups = [g for g in m.group_names(DepKind.GROUP) if is_dev_name(g)]
        extras = [g for g in m.group_names(DepKind.EXTRA) if is_dev_name(g)]
        if m.kind is ManifestKind.REQUIREMENTS and is_dev_name(m.path.rsplit("/", 1)[-1]):
            return f'Add the line "{dist}" to {m.path}'
        if m.kind is ManifestKind.PYPROJECT and groups:
            if m.style == "poetry":
                table = f"[tool.poetry.group.{groups[0]}.dependencies]"
                return f'Add {dist} = "*" under {table} in {m.path}'
            if any(d.source == m.path and d.group == groups[0] for d in m.deps):
                return f'Add "{dist}" to the "{groups[0]}" dependency group in {m.path}'
        if m.kind is ManifestKind.PYPROJECT and extras:
            return f'Add "{dist}" to [project.optional-dependencies].{extras[0]} in {m.path}'
    return f'Add "{dist}" to [dependency-groups].dev in {app.path("pyproject.toml")}'


def library_of(project: Project, sites: tuple[Site, ...]) -> Library | None:
    """The in-repository library whose code holds every one of ``sites`` (else None)."""
    names = {s.library for s in sites}
    if len(names) != 1 or "" in names:
        return None
    name = names.pop()
    return next((lib for lib in libraries(project) if lib.name == name), None)


def library_head(lib: Library, first: Site, dist: str, app: str, install: ImageInstall) -> str:
    how = f"{install.dockerfile} installs" if install.dockerfile else f"{app} depends on"
    return (
        f"'{first.name}' is imported by {first.path}, code of {lib.name} ({lib.manifest}) that"
        f" {how} and {app} imports, but '{dist}' is neither a main dependency of"
        f" {lib.name} nor declared in {install.label}"
    )


def library_advice(
    project: Project, app: PythonApp, install: ImageInstall, lib: Library, dist: str
) -> str:
    extras = [extra for extra, names in lib.extras if dist in names]
    if extras:
        return (
            f"Install {lib.name} with its extra '{extras[0]}' ({lib.name}[{extras[0]}]) in the"
            f" image, or: {add_advice(project, app, install, dist)}"
        )
    return (
        f'Make "{dist}" a main dependency of {lib.name} ([project].dependencies in'
        f" {lib.manifest}), or: {add_advice(project, app, install, dist)}"
    )
