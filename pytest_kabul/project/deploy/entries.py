"""Entry modules of a start path and the first-party modules reachable from them.

Helpers of the runtime model (:mod:`.runtime`) that sit below the start-path facet, so the
start-path model can ask what a server's start-up reaches (its lifespan migrating through a
helper module) without a cycle. :func:`app_for_path` finds the app a start path runs: the app
whose folder holds the path's source folder, else, for a wrapper image built ``FROM`` the
project's published image (``FROM ghcr.io/acme/acme-api:latest``) or a compose service pulling
it (``image: ghcr.io/acme/acme-api``), the app the image is named for.
"""

from __future__ import annotations

import ast
import posixpath
import re

from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.model import StartPath
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.imports import imports_in
from pytest_kabul.project.python.prefetch import prefetch_imports

_WORKERS = ("celery", "rq", "dramatiq", "arq", "taskiq", "huey_consumer")


def module_file(project: Project, app: PythonApp, dotted: str) -> str | None:
    path = dotted.replace(".", "/")
    for base in ("", "src/"):
        for candidate in (f"{base}{path}.py", f"{base}{path}/__init__.py"):
            rel = app.path(candidate)
            if rel in project.files:
                return rel
    return None


def entry_modules(project: Project, app: PythonApp, path: StartPath) -> list[str]:
    out: list[str] = []
    for step in path.steps:
        target: str | None = None
        if step.server is not None and step.server.target:
            target = step.server.target.split(":", 1)[0]
            if target.endswith(".py"):
                target = target.removesuffix(".py").replace("/", ".")
        else:
            argv = list(step.argv)
            module, _rest = sh.python_module(argv)
            script = sh.python_script(argv)
            if module is not None:
                target = module
            elif script is not None:
                target = script.removesuffix(".py").lstrip("./").replace("/", ".")
            elif argv and sh.base(argv[0]) in _WORKERS:
                found = next((a for a in argv if a.startswith(("-A", "--app="))), None)
                index = argv.index(found) if found else -1
                value = found[2:] if found and len(found) > 2 and found.startswith("-A") else None
                if found and found.startswith("--app="):
                    value = found.split("=", 1)[1]
                elif found == "-A" and index + 1 < len(argv):
                    value = argv[index + 1]
                target = value.split(":", 1)[0] if value else None
        if target:
            rel = module_file(project, app, target)
            if rel is not None and rel.endswith("/__init__.py"):  # ``python -m pkg``
                rel = module_file(project, app, target + ".__main__") or rel
            if rel is None:  # ``app.main`` run from a sub-folder (WORKDIR /app/backend)
                tail = target.replace(".", "/") + ".py"
                rel = next((f for f in app.runtime_files if f.endswith("/" + tail)), None)
            if rel is not None and rel not in out:
                out.append(rel)
    return out


def reachable(project: Project, app: PythonApp, entries: list[str]) -> tuple[str, ...]:
    """First-party files reachable from ``entries`` through imports (any depth), relative
    imports (``from .config import Settings``) included."""
    prefetch_imports(project, app.python_files)  # most of them are read below: on all cores
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        todo.extend(_relative_imports(project, rel))
        for imp in imports_in(project, rel) or ():
            if imp.top not in app.local_modules:
                continue
            for dotted in imp.candidates():
                found = module_file(project, app, dotted)
                if found is None:
                    continue
                todo.append(found)
                parts = dotted.split(".")
                for depth in range(1, len(parts)):  # parent packages run their __init__
                    init = module_file(project, app, ".".join(parts[:depth]))
                    if init is not None:
                        todo.append(init)
    return tuple(sorted(seen))


@facet
def _relative_cache(project: Project) -> dict[str, list[str]]:
    return {}


def _relative_imports(project: Project, rel: str) -> list[str]:
    """Project files a module's relative imports load (``from . import x``, ``from ..db import
    engine``)."""
    cache = _relative_cache(project)
    if rel not in cache:
        cache[rel] = _scan_relative(project, rel)
    return cache[rel]


def _scan_relative(project: Project, rel: str) -> list[str]:
    text = project.read_text(rel) or ""
    tree = project.parse_python(rel, keep=False) if "from ." in text else None
    if tree is None:
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = posixpath.dirname(rel)
        for _ in range(node.level - 1):
            base = posixpath.dirname(base)
        module = posixpath.join(base, *(node.module or "").split(".")) if node.module else base
        names = [posixpath.join(module, a.name) for a in node.names if a.name != "*"]
        for stem in [*names, module]:
            for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
                if candidate in project.files:
                    out.append(candidate)
                    break
        init = f"{base}/__init__.py" if base else "__init__.py"
        if init in project.files:
            out.append(init)
    return out


def app_of(apps: tuple[PythonApp, ...], folder: str) -> PythonApp | None:
    inside = [
        a for a in apps if a.root == "" or folder == a.root or folder.startswith(a.root + "/")
    ]
    if inside:
        return max(inside, key=lambda a: len(a.root))
    below = [a for a in apps if a.root.startswith(folder + "/") or not folder]
    return below[0] if len(below) == 1 else None


def app_for_path(project: Project, path: StartPath) -> PythonApp | None:
    """The app whose code ``path`` runs (see the module docstring)."""
    apps = python_apps(project)
    found = app_of(apps, path.source_dir)
    if found is not None and (found.root or not (path.dockerfile or path.image)):
        return found
    image = next((d for d in dockerfiles(project) if d.path == path.dockerfile), None)
    base = path.image or ((image.base_image() or "") if image is not None else "")
    if "/" not in base:
        return found  # an official base image (python:3.12): the code comes from the context
    name = base.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
    tokens = [t for t in re.split(r"[-_.]", name) if t]
    by_name = {a.root.rsplit("/", 1)[-1].lower(): a for a in apps if a.root}
    for token in reversed(tokens):
        if token in by_name:
            return by_name[token]
    return found
