"""Code of the repository's own libraries that a service's image installs (KAB101).

A monorepo often ships a library (``pyproject.toml`` with ``[project].name``) and a service
whose image installs it -- by name from PyPI (``mem0ai`` in ``server/requirements.txt`` while
the source is ``mem0/`` at the root), by path (``pip install ../sdk``, a uv/Poetry path source)
or as a wheel built from it. The library's modules that the service imports are then code the
service runs: their imports must be provided by the library's *main* dependencies (plus the
extras the install names) or by what the image installs.

Which modules: those the service's runtime files import, their package ``__init__`` files, and
everything they import in turn (absolute and relative imports, module level or in functions,
``import_module("pkg.mod")`` / ``load_class("pkg.mod.Cls")`` with a literal). A *registry* --
a dict literal from string keys to dotted paths of the library's modules, the usual provider
factory -- is followed only for the keys the service's own runtime code names as a string
(``{"provider": "gemini"}``): the other providers are optional features it never selects.
Imports the library's lockfile resolves through its main dependencies are transitive
(``via``); nothing is imported or executed.
"""

from __future__ import annotations

import ast
from collections.abc import Container, Iterator
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.imports import Import, imports_in
from pytest_kabul.project.python.manifests.model import DepKind, ManifestKind
from pytest_kabul.project.python.manifests.reader import manifest
from pytest_kabul.project.python.modules import ModuleIndex, module_index
from pytest_kabul.project.python.stmtwalk import nodes_of

_SKIP_PACKAGES = frozenset({"tests", "test", "testing", "examples", "example", "docs", "scripts"})


@dataclass(frozen=True)
class Library:
    """A distribution whose source is in the repository."""

    name: str  # canonical distribution name
    manifest: str
    app: PythonApp
    packages: frozenset[str]  # top-level import names it provides
    main: frozenset[str]  # canonical names of its runtime dependencies
    extras: tuple[tuple[str, frozenset[str]], ...]  # extra -> the names it adds
    declared: frozenset[str]  # every name its manifest mentions (for the import mapping)

    def provides(self, extras: tuple[str, ...]) -> frozenset[str]:
        chosen = set(self.main)
        for extra, names in self.extras:
            if extra in extras:
                chosen |= names
        return frozenset(chosen)


def _packages(app: PythonApp) -> frozenset[str]:
    out: set[str] = set()
    for folder in app.package_dirs:
        inner = app.rel(folder) if folder != app.root else ""
        parts = inner.split("/") if inner else []
        if parts[:1] == ["src"]:
            parts = parts[1:]
        if len(parts) == 1 and parts[0] not in _SKIP_PACKAGES and parts[0].isidentifier():
            out.add(parts[0])
    return frozenset(out)


@facet
def libraries(project: Project) -> tuple[Library, ...]:
    """Every in-repository distribution with a name and at least one package, sorted."""
    out: list[Library] = []
    for app in python_apps(project):
        packages = _packages(app)
        if not packages:
            continue
        for path in app.manifests:
            m = manifest(project, path)
            if m is None or not m.project_name or m.kind is ManifestKind.REQUIREMENTS:
                continue
            extras: dict[str, set[str]] = {}
            for d in m.deps:
                if d.kind is DepKind.EXTRA:
                    extras.setdefault(d.group, set()).add(d.name)
            out.append(
                Library(
                    name=m.project_name,
                    manifest=m.path,
                    app=app,
                    packages=packages,
                    main=frozenset(d.name for d in m.deps if d.kind is DepKind.RUNTIME),
                    extras=tuple(sorted((k, frozenset(v)) for k, v in extras.items())),
                    declared=frozenset(d.name for d in m.deps),
                )
            )
            break
    return tuple(sorted(out, key=lambda lib: lib.name))


def string_constants(project: Project, paths: tuple[str, ...]) -> frozenset[str]:
    """Every short identifier-like string literal in ``paths`` (the keys a service selects)."""
    found: set[str] = set()
    for path in paths:
        tree = project.parse_python(path, keep=False)  # reduced to its strings here
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if 0 < len(value) <= 64 and value.replace("-", "_").isidentifier():
                    found.add(value)
    return frozenset(found)


class StringKeys:
    """:func:`string_constants` of ``paths``, computed on the first question: most libraries
    hold no registry dict, and then the service's files are never walked for strings."""

    def __init__(self, project: Project, paths: tuple[str, ...]) -> None:
        self.project = project
        self.paths = paths
        self._found: frozenset[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._found is None:
            self._found = string_constants(self.project, self.paths)
        return name in self._found


class _Walker:
    """Modules of one library reachable from a set of dotted names."""

    def __init__(self, project: Project, lib: Library, keys: Container[str]) -> None:
        self.project = project
        self.lib = lib
        self.keys = keys
        self.index: ModuleIndex = module_index(project, lib.app)
        self.reached: dict[str, None] = {}

    def module_of(self, dotted: str) -> str | None:
        """The file of the longest prefix of ``dotted`` that is a module of the library."""
        parts = dotted.split(".")
        if parts[0] not in self.lib.packages:
            return None
        for depth in range(len(parts), 0, -1):
            path = self.index.path_of(".".join(parts[:depth]))
            if path is not None:
                return path
        return None

    def visit(self, dotted: str) -> None:
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            path = self.index.path_of(".".join(parts[:depth]))
            if path is not None and path not in self.reached:
                self.reached[path] = None
                self._follow(path)

    def _follow(self, path: str) -> None:
        tree = self.project.parse_python(path)
        if tree is None:
            return
        for dotted in self._edges(tree, path):
            if dotted.split(".", 1)[0] in self.lib.packages:
                self.visit(dotted)

    def _edges(self, tree: ast.Module, path: str) -> Iterator[str]:
        # One walk (reachability is a closure: the order of its edges does not matter), the
        # registries first: their values are not edges of their own.
        registry_values: set[int] = set()
        rest: list[ast.AST] = []
        for node in nodes_of(tree, (ast.Dict, ast.Import, ast.ImportFrom, ast.Call)):
            if isinstance(node, ast.Dict):
                yield from self._registry(node, registry_values)
            else:
                rest.append(node)
        for node in rest:
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = self.index.absolute(path, node.module, node.level)
                if base:
                    yield base
                    yield from (f"{base}.{a.name}" for a in node.names if a.name != "*")
            elif isinstance(node, ast.Call):
                for arg in node.args[:1]:
                    if id(arg) in registry_values:
                        continue
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and self.module_of(arg.value) is not None
                    ):
                        yield arg.value

    def _registry(self, node: ast.Dict, seen: set[int]) -> Iterator[str]:
        """``{"gemini": "pkg.llms.gemini.GeminiLLM", ...}``: only the keys the service names."""
        entries: list[tuple[str, str, ast.expr]] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return
            target = (
                value.elts[0] if isinstance(value, ast.Tuple | ast.List) and value.elts else value
            )
            if (
                isinstance(target, ast.Constant)
                and isinstance(target.value, str)
                and self.module_of(target.value) is not None
            ):
                entries.append((key.value, target.value, target))
        if len(entries) < 2:
            return
        for name, dotted, node_ in entries:
            seen.add(id(node_))
            if name in self.keys:
                yield dotted


def reachable(
    project: Project, lib: Library, starts: tuple[str, ...], keys: Container[str]
) -> tuple[str, ...]:
    """Files of ``lib`` that importing ``starts`` loads (registries: only ``keys``), sorted."""
    walker = _Walker(project, lib, keys)
    for dotted in starts:
        walker.visit(dotted)
    return tuple(sorted(walker.reached))


def library_imports(project: Project, paths: tuple[str, ...]) -> Iterator[tuple[str, Import]]:
    """(path, import) of every absolute import in the given library files."""
    for path in paths:
        for imp in imports_in(project, path) or ():
            yield path, imp
