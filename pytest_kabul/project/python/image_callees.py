"""Which first-party function a call reaches, for KAB601's one call boundary.

A route often builds the payload and hands it to a service (``await images.save(db, data_url)``)
that writes the column. ``CalleeIndex`` lists the project's top-level functions and class methods
by name; ``resolver(rel, tree)`` answers, for a call in module ``rel``, which of them it calls:

- ``f(...)``: a function of the same module, or one imported by name (``from app.services.images
  import save_image``, relative imports too);
- ``mod.f(...)``: ``f`` of an imported first-party module (``from app.services import images``,
  ``import app.services.images as images``);
- ``anything.f(...)``: a method or function ``f`` defined exactly once in the project, unless its
  name is too generic to say (``save``, ``create``, ``add``...).

Nothing is imported or executed; unresolved calls reach nothing.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.stmtwalk import statements

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_GENERIC = frozenset(
    {
        "save", "create", "update", "add", "get", "set", "run", "execute", "commit", "flush",
        "refresh", "delete", "insert", "send", "post", "put", "patch", "call", "process",
        "handle", "upload", "store", "write", "append", "merge", "invoke", "apply",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Callee:
    name: str
    rel: str
    text: str
    fn: FunctionNode
    method: bool  # defined in a class body: its first parameter is self/cls

    def params(self) -> list[str]:
        args = [a.arg for a in (*self.fn.args.posonlyargs, *self.fn.args.args)]
        if self.method and args and args[0] in ("self", "cls"):
            args = args[1:]
        return args

    def bind(self, call: ast.Call) -> list[tuple[str, ast.expr]]:
        """(parameter, argument) pairs of ``call`` (positional, then keywords)."""
        params = self.params()
        kwonly = {a.arg for a in self.fn.args.kwonlyargs}
        pairs: list[tuple[str, ast.expr]] = []
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred) or index >= len(params):
                break
            pairs.append((params[index], arg))
        for kw in call.keywords:
            if kw.arg is not None and (kw.arg in params or kw.arg in kwonly):
                pairs.append((kw.arg, kw.value))
        return pairs


def _module_path(rel: str) -> str:
    stem = rel[: -len(".py")] if rel.endswith(".py") else rel
    return stem[: -len("/__init__")] if stem.endswith("/__init__") else stem


# ``def name`` / ``async def name``: a literal start, so the regex engine skips to each "def".
_DEF = re.compile(r"def\s+(\w+)")


class CalleeIndex:
    """Functions by name, looked up lazily: a name is searched for (``def name``) in the
    sources' text the first time a call asks for it, and only the files that define it are
    parsed, instead of every file of the project up front."""

    def __init__(self, project: Project, sources: tuple[str, ...], parse: Parser) -> None:
        self.project = project
        self.sources = sources
        self.parse = parse
        self._defs: dict[str, list[Callee]] = {}
        self._files: dict[str, dict[str, list[Callee]]] = {}
        self._by_name: dict[str, list[str]] | None = None

    def defined(self, name: str) -> list[Callee]:
        """The top-level functions and methods called ``name``, in source order."""
        found = self._defs.get(name)
        if found is None:
            found = []
            for rel in self._definers().get(name, ()):
                text = self.project.read_text(rel)
                if text is not None:
                    found.extend(self._file(rel, text).get(name, ()))
            self._defs[name] = found
        return found

    def _definers(self) -> dict[str, list[str]]:
        """Name -> the files whose text has ``def name`` (a superset of where it is defined),
        from one regex pass per file; the parse then decides."""
        if self._by_name is None:
            self._by_name = {}
            for rel in self.sources:
                text = self.project.read_text(rel)
                for name in dict.fromkeys(_DEF.findall(text or "")):
                    self._by_name.setdefault(name, []).append(rel)
        return self._by_name

    def _file(self, rel: str, text: str) -> dict[str, list[Callee]]:
        if rel not in self._files:
            defs: dict[str, list[Callee]] = {}
            tree = self.parse(self.project, rel)
            for node in tree.body if tree is not None else ():
                self._add(defs, rel, text, node, method=False)
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        self._add(defs, rel, text, item, method=True)
            self._files[rel] = defs
        return self._files[rel]

    @staticmethod
    def _add(
        defs: dict[str, list[Callee]], rel: str, text: str, node: ast.stmt, *, method: bool
    ) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.setdefault(node.name, []).append(Callee(node.name, rel, text, node, method))

    def resolver(self, rel: str, tree: ast.Module) -> Callable[[ast.Call], list[Callee]]:
        names: dict[str, tuple[str, str]] = {}  # local -> (module path, original name)
        modules: dict[str, str] = {}  # local -> module path
        folder = posixpath.dirname(rel)
        for node in statements(tree):  # imports are statements
            if isinstance(node, ast.ImportFrom):
                base = (node.module or "").replace(".", "/")
                if node.level:
                    up = folder
                    for _ in range(node.level - 1):
                        up = posixpath.dirname(up)
                    base = posixpath.join(up, base) if base else up
                    base = "/" + base  # anchored: a path from the project root
                for alias in node.names:
                    local = alias.asname or alias.name
                    names[local] = (base, alias.name)
                    modules[local] = posixpath.join(base, alias.name)  # if it is a module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        modules[alias.asname] = alias.name.replace(".", "/")

        def matches(callee: Callee, module: str) -> bool:
            path = _module_path(callee.rel)
            if module.startswith("/"):
                return path == module.lstrip("/")
            return bool(module) and (path == module or path.endswith("/" + module))

        def resolve(call: ast.Call) -> list[Callee]:
            func = call.func
            if isinstance(func, ast.Name):
                if func.id in names:
                    module, original = names[func.id]
                    found = self.defined(original)
                    return [c for c in found if not c.method and matches(c, module)][:1]
                local = self.defined(func.id)
                return [c for c in local if c.rel == rel and not c.method][:1]
            if isinstance(func, ast.Attribute):
                found = self.defined(func.attr)
                if isinstance(func.value, ast.Name) and func.value.id in modules:
                    module = modules[func.value.id]
                    hits = [c for c in found if not c.method and matches(c, module)]
                    if hits:
                        return hits[:1]
                if len(found) == 1 and func.attr not in _GENERIC:
                    return found
            return []

        return resolve


Parser = Callable[[Project, str], "ast.Module | None"]
