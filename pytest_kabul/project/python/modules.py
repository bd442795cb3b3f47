"""Module names, imports and string constants of one Python app (shared by settings/envreads).

``module_index(project, app)`` maps dotted module names to files (flat and ``src/`` layout);
``imports_of`` lists what a module's top-level imports bind; ``ConstEval`` resolves an
expression to a string the way a reader would: literals, module-level string constants (also
imported from another module of the app), ``Class.ATTR`` constants, f-strings with constant parts
and ``"A_" + "B"``. Anything else is unresolved (``None``); nothing is ever imported or executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import PythonApp


@dataclass(frozen=True)
class Param:
    """A placeholder for a function parameter inside a name template."""

    name: str


Part = str | Param
Parts = tuple[Part, ...]


@dataclass(frozen=True)
class ModuleIndex:
    by_name: Mapping[str, str]  # dotted name -> project-relative path
    by_path: Mapping[str, str]  # path -> dotted name

    def path_of(self, dotted: str) -> str | None:
        return self.by_name.get(dotted)

    def absolute(self, path: str, module: str | None, level: int) -> str:
        """The absolute dotted name of ``from <level dots><module> import ...`` in ``path``."""
        if level == 0:
            return module or ""
        here = self.by_name_of(path).split(".")
        package = here if path.endswith("__init__.py") else here[:-1]
        base = package[: len(package) - (level - 1)] if level > 1 else package
        return ".".join([*base, module] if module else base)

    def by_name_of(self, path: str) -> str:
        return self.by_path.get(path, "")


def _dotted(inner: str) -> list[str]:
    parts = inner.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = [".".join(parts)] if parts else []
    if len(parts) > 1 and parts[0] == "src":
        names.append(".".join(parts[1:]))
    return [n for n in names if n]


def module_index(project: Project, app: PythonApp) -> ModuleIndex:
    key = f"appmodules.module_index:{app.root}"
    cached = project._facets.get(key)
    if isinstance(cached, ModuleIndex):
        return cached
    by_name: dict[str, str] = {}
    by_path: dict[str, str] = {}
    for path in app.python_files:
        names = _dotted(app.rel(path))
        for name in names:
            by_name.setdefault(name, path)
        if names:
            by_path[path] = names[-1]
    index = ModuleIndex(by_name=by_name, by_path=by_path)
    project._facets[key] = index
    return index


def parse(project: Project, path: str) -> ast.Module | None:
    """``project.parse_python`` (which also records source too deep for the parser)."""
    return project.parse_python(path)


def top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside ``if``/``try``/``with`` blocks."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from top_level(stmt.body)
            yield from top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from top_level(block)
            for handler in stmt.handlers:
                yield from top_level(handler.body)
        elif isinstance(stmt, ast.With):
            yield from top_level(stmt.body)
        else:
            yield stmt


Binding = tuple[str, str | None]  # (absolute module, attribute or None for the module itself)


def import_bindings(
    stmt: ast.Import | ast.ImportFrom, index: ModuleIndex, path: str
) -> Iterator[tuple[str, Binding]]:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, (alias.name, None)
            else:
                top = alias.name.split(".")[0]
                yield top, (top, None)
        return
    module = index.absolute(path, stmt.module, stmt.level)
    for alias in stmt.names:
        if alias.name != "*":
            yield alias.asname or alias.name, (module, alias.name)


@dataclass
class ModuleConsts:
    """Module-level names bound to expressions, and ``Class.ATTR`` assignments."""

    values: dict[str, ast.expr] = field(default_factory=dict)
    imports: dict[str, Binding] = field(default_factory=dict)


class ConstEval:
    """Resolve name expressions to string templates within one app (cached per module)."""

    def __init__(self, project: Project, index: ModuleIndex) -> None:
        self.project = project
        self.index = index
        self._modules: dict[str, ModuleConsts] = {}
        self._active: set[tuple[str, str]] = set()

    def consts(self, path: str) -> ModuleConsts:
        if path in self._modules:
            return self._modules[path]
        found = ModuleConsts()
        self._modules[path] = found
        tree = parse(self.project, path)
        if tree is None:
            return found
        for stmt in top_level(tree.body):
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                found.imports.update(import_bindings(stmt, self.index, path))
            elif isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    for name, value in _assigned(inner):
                        found.values[f"{stmt.name}.{name}"] = value
            else:
                for name, value in _assigned(stmt):
                    found.values[name] = value
        return found

    def lookup(self, path: str, name: str) -> Parts | None:
        """The value of ``name`` (``X`` or ``Class.X``) at module level of ``path``."""
        key = (path, name)
        if key in self._active:
            return None
        mod = self.consts(path)
        self._active.add(key)
        try:
            if name in mod.values:
                return self.parts(mod.values[name], path, frozenset())
            head, _, rest = name.partition(".")
            if head in mod.imports:
                module, attr = mod.imports[head]
                target = module if attr is None else f"{module}.{attr}"
                # ``from pkg import mod`` binds a module; ``from mod import X`` binds a value.
                other = self.index.path_of(target)
                if other is not None and rest:
                    return self.lookup(other, rest)
                other = self.index.path_of(module)
                if other is not None and attr is not None:
                    return self.lookup(other, f"{attr}.{rest}" if rest else attr)
            return None
        finally:
            self._active.discard(key)

    def parts(self, node: ast.expr, path: str, params: frozenset[str]) -> Parts | None:
        """``node`` as a template of literal parts and :class:`Param` s, or None."""
        if isinstance(node, ast.Constant):
            return (node.value,) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            if node.id in params:
                return (Param(node.id),)
            return self.lookup(path, node.id)
        if isinstance(node, ast.Attribute):
            if node.attr == "value" and isinstance(node.value, ast.Attribute):
                return self.parts(node.value, path, params)  # Enum member ``.value``
            dotted = _dotted_name(node)
            return self.lookup(path, dotted) if dotted else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.parts(node.left, path, params)
            right = self.parts(node.right, path, params)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.JoinedStr):
            out: list[Part] = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion not in (-1, 115):
                        return None
                    inner = self.parts(value.value, path, params)
                else:
                    inner = self.parts(value, path, params)
                if inner is None:
                    return None
                out.extend(inner)
            return tuple(out)
        return None


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _assigned(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value and isinstance(stmt.target, ast.Name):
        yield stmt.target.id, stmt.value


def join(parts: Parts) -> str | None:
    """The string a template denotes, or None while it still contains parameters."""
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    return None


def substitute(parts: Parts, bound: Mapping[str, Parts | None]) -> Parts | None:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Param):
            value = bound.get(part.name)
            if value is None:
                return None
            out.extend(value)
        else:
            out.append(part)
    return tuple(out)
