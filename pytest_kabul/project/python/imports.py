"""Import extraction from a parsed module (AST only, the target is never imported).

Every form counts: ``import a.b``, ``from a import b``, imports inside functions, classes,
``try``/``with``/``match`` blocks, ``importlib.import_module("lit")`` and ``__import__("lit")``.
Imports under ``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:`` do not (their ``else``
branch does). Relative imports are local and never reported. An import inside a ``try`` whose
handlers catch ``ImportError`` / ``ModuleNotFoundError`` / ``Exception`` / ``BaseException`` (or
a bare ``except``) is *guarded*, and the handler says how (:data:`Guard`): it re-raises (an
optional dependency with a clear error), it warns (``logger.warning``/``warnings.warn``: the
feature is lost and the author considers that abnormal), or it falls back quietly (``pass``,
a debug log, ``x = None``). A dynamic import in a function that installs packages first
(``install_packages(["boto3"]); import_module("boto3")``) is installed on demand.

Only statement bodies are walked; expressions are searched for dynamic imports only when the
source text mentions them, so extraction costs little more than the parse itself.
"""

from __future__ import annotations

import ast
import bisect
import sys
from dataclasses import dataclass, replace
from typing import Any

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.import_scan import scan_imports

GUARD_NAMES = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_DYNAMIC_FUNCS = frozenset({"import_module", "__import__"})
_LOUD = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})


class Guard:
    """How a guarded import's handler reacts (ordered: the loudest handler wins)."""

    NONE = ""
    QUIET = "quiet"  # pass / fallback value / debug or info log
    ON_DEMAND = "on-demand"  # installed by the code right before the import
    RAISES = "raises"  # re-raises, usually with install advice
    WARNS = "warns"  # logs a warning/error: the feature is silently lost in production


def _handler_kind(handlers: list[ast.ExceptHandler]) -> str:
    kind = Guard.QUIET
    for handler in handlers:
        if not _catches_import_error(handler):
            continue
        for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
            if isinstance(node, ast.Raise):
                kind = Guard.RAISES if kind == Guard.QUIET else kind
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _LOUD:
                    return Guard.WARNS
    return kind


@dataclass(frozen=True, order=True, slots=True)
class Import:
    module: str  # absolute dotted module name (``google.cloud``)
    line: int
    guarded: bool = False
    names: tuple[str, ...] = ()  # ``from module import names`` (for namespace packages)
    dynamic: bool = False
    guard: str = Guard.NONE  # see :class:`Guard`; non-empty exactly when ``guarded``
    # ``if sys.version_info >= (3, 11):`` around the import: (operator, major, minor, branch)
    gate: tuple[str, int, int, bool] | None = None

    def reached_on(self, version: tuple[int, int]) -> bool:
        """Whether the import runs on ``version`` (always, unless a version test excludes it)."""
        if self.gate is None:
            return True
        op, major, minor, branch = self.gate
        return _compare(version, op, (major, minor)) == branch

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def candidates(self) -> tuple[str, ...]:
        """Dotted names this import may load, most specific first."""
        out = [f"{self.module}.{n}" for n in self.names if n != "*"]
        out.append(self.module)
        return tuple(out)


_OPS: dict[type[ast.cmpop], str] = {
    ast.GtE: ">=",
    ast.Gt: ">",
    ast.Lt: "<",
    ast.LtE: "<=",
}


def _compare(version: tuple[int, int], op: str, bound: tuple[int, int]) -> bool:
    if op == ">=":
        return version >= bound
    if op == ">":
        return version > bound
    if op == "<":
        return version < bound
    return version <= bound


def _version_test(test: ast.expr) -> tuple[str, int, int] | None:
    """``sys.version_info >= (3, 11)`` (also ``[:2]``/``[0:2]``) -> (">=", 3, 11)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left = test.left.value if isinstance(test.left, ast.Subscript) else test.left
    if not (isinstance(left, ast.Attribute) and left.attr == "version_info"):
        return None
    op = _OPS.get(type(test.ops[0]))
    right = test.comparators[0]
    if op is None or not isinstance(right, ast.Tuple) or len(right.elts) < 2:
        return None
    nums = [e.value for e in right.elts[:2] if isinstance(e, ast.Constant)]
    if len(nums) != 2 or not isinstance(nums[0], int) or not isinstance(nums[1], int):
        return None
    return op, nums[0], nums[1]


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_type_checking(v) for v in test.values)
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    nodes = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for node in nodes:
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if name in GUARD_NAMES:
            return True
    return False


class _Extractor:
    def __init__(self, dynamic: bool, marks: list[int] | None) -> None:
        self.dynamic = dynamic
        self.marks = marks  # sorted lines mentioning "import"; None: unknown, walk everything
        self.found: list[Import] = []
        self.on_demand = False  # inside a function that installs packages
        self.gate: tuple[str, int, int, bool] | None = None  # innermost version test

    def _may_import(self, node: ast.stmt) -> bool:
        if self.marks is None:
            return True
        end = node.end_lineno or node.lineno
        i = bisect.bisect_left(self.marks, node.lineno)
        return i < len(self.marks) and self.marks[i] <= end

    def body(self, stmts: list[ast.stmt], guarded: str) -> None:
        for stmt in stmts:
            if self._may_import(stmt):
                self.stmt(stmt, guarded)

    def add(
        self,
        module: str,
        line: int,
        guard: str,
        names: tuple[str, ...] = (),
        *,
        dynamic: bool = False,
    ) -> None:
        self.found.append(
            Import(_name(module), line, bool(guard), _names(names), dynamic, guard, self.gate)
        )

    def stmt(self, node: ast.stmt, guarded: str) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.add(alias.name, node.lineno, guarded)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names = tuple(sorted(a.name for a in node.names))
                self.add(node.module, node.lineno, guarded, names)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and self.dynamic:
            installs = any(
                isinstance(sub, ast.Call)
                and "install"
                in (getattr(sub.func, "attr", None) or getattr(sub.func, "id", "") or "")
                for sub in ast.walk(node)
            )
            outer = self.on_demand
            self.on_demand = outer or installs
            self.body(node.body, guarded)
            for field in ("decorator_list", "args", "returns"):
                value = getattr(node, field, None)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, ast.AST):
                        self.expr(item, guarded)
            self.on_demand = outer
            return
        if isinstance(node, ast.If):
            if self.dynamic:
                self.expr(node.test, guarded)
            version = _version_test(node.test)
            outer_gate = self.gate
            if version is not None:
                self.gate = (*version, True)
            if not _is_type_checking(node.test):
                self.body(node.body, guarded)
            if version is not None:
                self.gate = (*version, False)
            self.body(node.orelse, guarded)
            self.gate = outer_gate
            return
        if isinstance(node, ast.Try | ast.TryStar):
            inner = guarded
            if any(_catches_import_error(h) for h in node.handlers):
                inner = guarded if guarded else _handler_kind(node.handlers)
            self.body(node.body, inner)
            for handler in node.handlers:
                # ``except ImportError: import tomli as tomllib``: the fallback is optional too
                fallback = guarded or (Guard.QUIET if _catches_import_error(handler) else "")
                self.body(handler.body, fallback)
            self.body(node.orelse, guarded)
            self.body(node.finalbody, guarded)
            return
        if isinstance(node, ast.Match):
            for case in node.cases:
                self.body(case.body, guarded)
            if self.dynamic:
                self.expr(node.subject, guarded)
            return
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self.body(value, guarded)
        if self.dynamic:
            for field, value in ast.iter_fields(node):
                if field in ("body", "orelse", "finalbody"):
                    continue
                if isinstance(value, ast.AST):
                    self.expr(value, guarded)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST) and not isinstance(item, ast.stmt):
                            self.expr(item, guarded)

    def expr(self, node: ast.AST, guarded: str) -> None:
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call) or not sub.args:
                continue
            func = sub.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _DYNAMIC_FUNCS:
                continue
            arg = sub.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                target = arg.value
                if (
                    target
                    and not target.startswith(".")
                    and all(part.isidentifier() for part in target.split("."))
                ):
                    guard = guarded or (Guard.ON_DEMAND if self.on_demand else Guard.NONE)
                    self.add(target, sub.lineno, guard, dynamic=True)


def _import_lines(text: str) -> list[int]:
    """Line numbers (1-based, sorted) of the lines that contain the word ``import``."""
    lines: list[int] = []
    line, last = 1, 0
    pos = text.find("import")
    while pos != -1:
        line += text.count("\n", last, pos)
        lines.append(line)
        last = text.find("\n", pos)
        if last == -1:
            break
        pos = text.find("import", last)
    return lines


def extract_imports(tree: ast.Module, text: str | None = None) -> tuple[Import, ...]:
    """Every absolute import of a module, sorted by line."""
    dynamic = text is None or "import_module" in text or "__import__" in text
    extractor = _Extractor(dynamic, None if text is None else _import_lines(text))
    extractor.body(tree.body, Guard.NONE)
    return tuple(sorted(set(extractor.found), key=lambda i: (i.line, i.module, i.names)))


@facet
def _import_cache(project: Project) -> dict[str, tuple[Import, ...]]:
    return {}


class _Shared:
    """One object per distinct import of a run, and per distinct ``names`` tuple: most import
    lines repeat across a tree's modules (on saleor its 9.9 k imports are 2.0 k distinct ones;
    at 20 k generated modules, 147 k are 12 k), and each kept copy weighs about 90 bytes."""

    def __init__(self) -> None:
        self.items: dict[str, Import] = {}  # a stored record's item (``"module line names"``)
        self.imports: dict[Import, Import] = {}
        self.names: dict[tuple[str, ...], tuple[str, ...]] = {}

    def plain(self, module: str, line: int, names: tuple[str, ...]) -> Import:
        imp = Import(_name(module), line, names=self._names(names))
        return self.imports.setdefault(imp, imp)

    def _names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        kept = self.names.get(names)
        if kept is None:
            kept = self.names[names] = _names(names)
        return kept

    def item(self, item: str) -> Import:
        imp = self.items.get(item)
        if imp is None:
            m, n, *rest = item.split(" ")
            names = tuple(rest[0].split(",")) if rest else ()
            imp = self.items[item] = self.plain(m, int(n), names)
        return imp

    def full(self, imp: Import) -> Import:
        if imp.names:
            imp = replace(imp, names=self._names(imp.names))
        return self.imports.setdefault(imp, imp)


@facet
def _shared(project: Project) -> _Shared:
    return _Shared()


def _encode(imports: tuple[Import, ...]) -> str | list[Any]:
    """Records hold thousands of these: the plain imports of a file are one string,
    ``"module line[ names]"`` items joined by ``;`` (``names`` comma-separated, for ``from``);
    only a guarded, dynamic or version-gated import spells every field, as a list after that
    string (then the first item of a list). One string per file weighs a fifth of a list per
    import."""
    plain: list[str] = []
    full: list[Any] = []
    for i in imports:
        if i.guarded or i.dynamic or i.guard or i.gate is not None:
            full.append([i.module, i.line, i.guarded, list(i.names), i.dynamic, i.guard, i.gate])
        else:
            plain.append(
                f"{i.module} {i.line} {','.join(i.names)}" if i.names else f"{i.module} {i.line}"
            )
    return [";".join(plain), *full] if full else ";".join(plain)


def _decode(stored: Any, shared: _Shared | None = None) -> tuple[Import, ...] | None:
    """Imports from a stored record, or None if it is not one (a foreign or damaged cache).
    The order is :func:`extract_imports`' (line, module, names), whichever way they were kept."""
    shared = _Shared() if shared is None else shared
    try:
        head, *full = (stored,) if isinstance(stored, str) else stored
        found: list[Import] = [shared.item(item) for item in head.split(";")] if head else []
        for m, n, g, ns, d, k, gate in full:
            imp = Import(_name(m), int(n), bool(g), _names(ns), bool(d), str(k), _gate(gate))
            found.append(shared.full(imp))
        if full:
            found.sort(key=lambda i: (i.line, i.module, i.names))
        return tuple(found)
    except (TypeError, ValueError, AttributeError):
        return None


def _name(value: Any) -> str:
    """One string object per module name, however many files import it."""
    return sys.intern(str(value))


def _names(values: Any) -> tuple[str, ...]:
    return tuple(map(_name, values))


def _gate(value: Any) -> tuple[str, int, int, bool] | None:
    if value is None:
        return None
    op, major, minor, branch = value
    return str(op), int(major), int(minor), bool(branch)


def imports_known(project: Project, path: str) -> bool:
    """Whether this run has the imports of ``path`` already (read, or taken from its record)."""
    return path in _import_cache(project)


def imports_in(project: Project, path: str) -> tuple[Import, ...] | None:
    """The imports of one project file (parsed once, and kept between runs in the file
    records: an unchanged file is neither read nor parsed); None if it cannot be parsed."""
    cache = _import_cache(project)
    if path not in cache:
        stored = project.records.get(path, "imports")
        shared = _shared(project)
        found = _decode(stored, shared) if stored is not None else None
        if found is not None:
            cache[path] = found
            return found
        tree = project._trees.get(path)
        text = project.read_text(path)
        if tree is None and text is not None:
            scanned = scan_imports(text)  # no parse where the text alone tells
            if scanned is not None:
                cache[path] = tuple(shared.plain(m, n, ns) for m, n, ns in scanned)
                project.records.put(path, "imports", _encode(cache[path]), text)
                return cache[path]
        if tree is None and text is not None:
            tree = project.parse_python(path, keep=False)  # reduced to records right away
        if tree is None:
            return None
        cache[path] = tuple(map(shared.full, extract_imports(tree, text)))
        if text is not None:
            project.records.put(path, "imports", _encode(cache[path]), text)
    return cache[path]


@facet
def _main_hints(project: Project) -> dict[str, bool]:
    return {}


def mentions_main(project: Project, path: str) -> bool:
    """Whether the file mentions ``__main__`` (a script), without re-reading prefetched files."""
    hints = _main_hints(project)
    if path not in hints:
        stored = project.records.get(path, "main")
        if isinstance(stored, bool):
            hints[path] = stored
        else:
            text = project.read_text(path)
            hints[path] = text is not None and "__main__" in text
            if text is not None:
                project.records.put(path, "main", hints[path], text)
    return hints[path]
