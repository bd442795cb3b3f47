"""One AST pass over a Python file: its direct environment reads and candidate wrapper calls.

Callees are recognised by their fully qualified name after import aliasing (``import os as _os``,
``from os import environ as env``, ``from decouple import config``), so every spelling of a read
is one case. :mod:`pytest_kabul.project.python.settings.envreads` resolves names and follows
wrappers.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

from pytest_kabul.project.python.modules import Binding, ModuleIndex, import_bindings
from pytest_kabul.project.python.settings.readsites import (
    DJANGO_DEFAULT_VAR,
    ENV_OBJECT_SKIP,
    ENVIRON,
    ENVIRON_METHODS,
    GETENV,
    PUTENV,
    READER_CLASSES,
    Call,
    FileScan,
    Func,
    ReadKind,
    Site,
    fallback_attribute,
)
from pytest_kabul.project.python.settings.syntax import DefaultKind, default_kind


@dataclass(frozen=True)
class _Ctx:
    qual: tuple[str, ...] = ()
    function: str | None = None
    params: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    in_class_body: bool = False
    loops: tuple[tuple[str, tuple[ast.expr, ...]], ...] = ()  # ``for k in ("A", "B"):``
    local: dict[str, ast.expr] | None = None  # ``key = f"{prefix}_URL"`` inside a function
    context: str | None = None  # "except" / "__main__": a fallback branch or a script guard


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    if index < len(call.args) and not any(
        isinstance(a, ast.Starred) for a in call.args[: index + 1]
    ):
        return call.args[index]
    return None


ImportedFamily = Callable[[Binding], str | None]


class _Scanner:
    def __init__(self, index: ModuleIndex, path: str, imported: ImportedFamily | None) -> None:
        self.index = index
        self.path = path
        self.out = FileScan()
        self.instances = self.out.instances
        self.imported = imported
        self.sequences: dict[str, ast.List | ast.Tuple | ast.Set] = {}
        self.or_else: dict[int, ast.expr] = {}  # id of ``a`` in ``a or b`` -> ``b``

    def qualified(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            bound = self.out.imports.get(node.id)
            if bound is None:
                return None
            return bound[0] if bound[1] is None else f"{bound[0]}.{bound[1]}"
        if isinstance(node, ast.Attribute):
            head = self.qualified(node.value)
            return f"{head}.{node.attr}" if head else None
        return None

    def family(self, node: ast.expr) -> str | None:
        """The reader family of an instance expression (``config``, ``env``, ``Env()``)."""
        if isinstance(node, ast.Name) and node.id in self.instances:
            return self.instances[node.id]
        if isinstance(node, ast.Name) and self.imported and node.id in self.out.imports:
            return self.imported(self.out.imports[node.id])  # ``from app.config import env``
        if isinstance(node, ast.Call):
            return READER_CLASSES.get(self.qualified(node.func) or "")
        return None

    def site(
        self,
        ctx: _Ctx,
        node: ast.AST,
        name: ast.expr | None,
        default: ast.expr | None,
        kind: ReadKind,
        *,
        missing: DefaultKind,
    ) -> None:
        dkind = missing if default is None else default_kind(default)
        if isinstance(name, ast.Name):
            for var, values in reversed(ctx.loops):
                if var == name.id:
                    for value in values:
                        self.site(ctx, node, value, default, kind, missing=missing)
                    return
            if ctx.local and name.id in ctx.local and name.id not in ctx.params:
                # One local assignment away (``key = name.upper()`` stays unresolved).
                self.site(
                    replace(ctx, local=None),
                    node,
                    ctx.local[name.id],
                    default,
                    kind,
                    missing=missing,
                )
                return
        fallback = default if default is not None else self.or_else.get(id(node))
        self.out.sites.append(
            Site(
                getattr(node, "lineno", 0),
                name,
                default,
                dkind,
                kind,
                ctx.function,
                ctx.params,
                ctx.classes,
                ctx.context,
                fallback_attribute(fallback),
            )
        )

    def call(self, node: ast.Call, ctx: _Ctx) -> None:
        func = node.func
        q = self.qualified(func)
        if q in PUTENV:
            self.site(
                ctx, node, _arg(node, 0, "key"), None, ReadKind.PUTENV, missing=DefaultKind.ABSENT
            )
            return
        if q in GETENV:
            self.site(
                ctx,
                node,
                _arg(node, 0, "key"),
                _arg(node, 1, "default"),
                ReadKind.GETENV,
                missing=DefaultKind.NONE,
            )
            return
        if isinstance(func, ast.Attribute):
            if self.qualified(func.value) in ENVIRON and func.attr == "update":
                self.update(node, ctx)
                return
            if self.qualified(func.value) in ENVIRON and func.attr in ENVIRON_METHODS:
                missing = DefaultKind.ABSENT if func.attr == "pop" else DefaultKind.NONE
                default = _arg(node, 1, "default", "value")
                self.site(
                    ctx,
                    node,
                    _arg(node, 0, "key"),
                    default,
                    ENVIRON_METHODS[func.attr],
                    missing=missing,
                )
                return
            family = self.family(func.value)
            if family == "starlette" and func.attr == "get":
                self.site(
                    ctx,
                    node,
                    _arg(node, 0, "key"),
                    _arg(node, 2, "default"),
                    ReadKind.STARLETTE,
                    missing=DefaultKind.ABSENT,
                )
                return
            if (
                family in ("environs", "django")
                and func.attr not in ENV_OBJECT_SKIP
                and not func.attr.startswith("_")
            ):
                name = _arg(node, 0, "name", "var")
                if name is None and family == "django" and func.attr in DJANGO_DEFAULT_VAR:
                    name = ast.Constant(DJANGO_DEFAULT_VAR[func.attr])
                self.site(
                    ctx,
                    node,
                    name,
                    _arg(node, 1, "default"),
                    ReadKind.ENV_OBJECT,
                    missing=DefaultKind.ABSENT,
                )
                return
        family = (
            "decouple"
            if q == "decouple.config"
            else self.family(func)
            if isinstance(func, ast.Name)
            else None
        )
        if family == "decouple":
            self.site(
                ctx,
                node,
                _arg(node, 0, "option"),
                _arg(node, 1, "default"),
                ReadKind.DECOUPLE,
                missing=DefaultKind.ABSENT,
            )
            return
        if family == "starlette":
            self.site(
                ctx,
                node,
                _arg(node, 0, "key"),
                _arg(node, 2, "default"),
                ReadKind.STARLETTE,
                missing=DefaultKind.ABSENT,
            )
            return
        if family in ("environs", "django"):
            default = _arg(node, 1 if family == "environs" else 99, "default")
            self.site(
                ctx,
                node,
                _arg(node, 0, "name", "var"),
                default,
                ReadKind.ENV_OBJECT,
                missing=DefaultKind.ABSENT,
            )
            return
        if not node.args and not node.keywords:
            return
        args = tuple(node.args)
        keywords = tuple((k.arg, k.value) for k in node.keywords if k.arg)
        where = (ctx.function, ctx.params, ctx.classes, ctx.context)
        if isinstance(func, ast.Name):
            self.out.calls.append(Call(node.lineno, "name", None, func.id, args, keywords, *where))
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            style = "self" if func.value.id in ("self", "cls") else "attr"
            self.out.calls.append(
                Call(node.lineno, style, func.value.id, func.attr, args, keywords, *where)
            )

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        for deco in node.decorator_list:
            self.visit(deco, ctx)
        a = node.args
        for default in [*a.defaults, *(d for d in a.kw_defaults if d is not None)]:
            self.visit(default, ctx)
        positional = [p.arg for p in (*a.posonlyargs, *a.args)]
        defaults = dict(
            zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True)
        )
        defaults.update(
            {p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None}
        )
        static = any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
        )
        params = (*positional, *(p.arg for p in a.kwonlyargs))
        qual = (*ctx.qual, node.name)
        name = ".".join(qual)
        self.out.functions[name] = Func(params, defaults, ctx.in_class_body and not static)
        inner = _Ctx(qual, name, params, ctx.classes, local={}, context=ctx.context)
        for stmt in node.body:
            self.visit(stmt, inner)

    def visit(self, node: ast.AST, ctx: _Ctx) -> None:
        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self.function(node, ctx)  # type: ignore[arg-type]
            return
        if kind is ast.ClassDef:
            self.klass(node, ctx)  # type: ignore[arg-type]
            return
        if kind is ast.Import or kind is ast.ImportFrom:
            self.out.imports.update(import_bindings(node, self.index, self.path))  # type: ignore[arg-type]
            return
        if kind is ast.Call:
            self.call(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Subscript:
            self.subscript(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Compare:
            self.compare(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Assign:
            self.assign(node, ctx)  # type: ignore[arg-type]
        elif (kind is ast.For or kind is ast.AsyncFor) and self.loop(node, ctx):  # type: ignore[arg-type]
            return
        elif kind is ast.ExceptHandler and ctx.context is None:
            ctx = replace(ctx, context="except")
        elif kind is ast.If and ctx.function is None and _main_guard(node):  # type: ignore[arg-type]
            ctx = replace(ctx, context="__main__")
        elif kind is ast.BoolOp and type(node.op) is ast.Or:  # type: ignore[attr-defined]
            values = node.values  # type: ignore[attr-defined]
            self.or_else.update((id(a), b) for a, b in itertools.pairwise(values))
        elif kind is ast.GeneratorExp or kind is ast.ListComp or kind is ast.SetComp:
            self.comprehension(node, ctx)  # type: ignore[arg-type]
            return
        # Hand-rolled child iteration: skips leaves (names, constants, operators, contexts),
        # which are most of a tree and can never hold a read.
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        self.visit(item, ctx)
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                self.visit(value, ctx)

    def klass(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        inner = _Ctx(
            (*ctx.qual, node.name),
            ctx.function,
            ctx.params,
            (*ctx.classes, node.name),
            in_class_body=True,
            context=ctx.context,
        )
        for base in (*node.bases, *node.decorator_list):
            self.visit(base, ctx)
        for stmt in node.body:
            self.visit(stmt, inner)

    def subscript(self, node: ast.Subscript, ctx: _Ctx) -> None:
        if self.qualified(node.value) not in ENVIRON:
            return
        kind = {
            ast.Load: ReadKind.ENVIRON_ITEM,
            ast.Store: ReadKind.ENVIRON_SET,
            ast.Del: ReadKind.DELETE,
        }
        self.site(ctx, node, node.slice, None, kind[type(node.ctx)], missing=DefaultKind.ABSENT)

    def update(self, node: ast.Call, ctx: _Ctx) -> None:
        """``os.environ.update({"A": ..}, B=..)``: one write per literal key."""
        keys: list[ast.expr] = [ast.Constant(k.arg) for k in node.keywords if k.arg]
        for arg in node.args:
            if isinstance(arg, ast.Dict):
                keys.extend(k for k in arg.keys if k is not None)
            self.visit(arg, ctx)
        for key in keys:
            self.site(ctx, node, key, None, ReadKind.UPDATE, missing=DefaultKind.ABSENT)

    def compare(self, node: ast.Compare, ctx: _Ctx) -> None:
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn) and self.qualified(right) in ENVIRON:
                self.site(ctx, node, node.left, None, ReadKind.CONTAINS, missing=DefaultKind.ABSENT)
                return

    def _names(self, target: ast.expr, values: ast.expr) -> tuple[str, tuple[ast.expr, ...]] | None:
        """``(variable, names)`` when ``for variable in <literal names>``."""
        if isinstance(values, ast.Name):
            values = self.sequences.get(values.id, values)
        if not isinstance(target, ast.Name) or not isinstance(
            values, ast.List | ast.Tuple | ast.Set
        ):
            return None
        kinds = ast.Constant | ast.Name | ast.Attribute | ast.JoinedStr
        return target.id, tuple(e for e in values.elts if isinstance(e, kinds))

    def loop(self, node: ast.For | ast.AsyncFor, ctx: _Ctx) -> bool:
        """Visit a loop over literal names with the loop variable bound to each of them."""
        bound = self._names(node.target, node.iter)
        if bound is None:
            return False
        inner = replace(ctx, loops=(*ctx.loops, bound))
        self.visit(node.iter, ctx)
        for stmt in node.body:
            self.visit(stmt, inner)
        for stmt in node.orelse:
            self.visit(stmt, ctx)
        return True

    def comprehension(self, node: ast.GeneratorExp | ast.ListComp | ast.SetComp, ctx: _Ctx) -> None:
        """``any(os.environ.get(v) for v in ("CI", "BUILD_NUMBER"))``."""
        inner = ctx
        for gen in node.generators:
            self.visit(gen.iter, inner)
            bound = self._names(gen.target, gen.iter)
            if bound is not None:
                inner = replace(inner, loops=(*inner.loops, bound))
            for cond in gen.ifs:
                self.visit(cond, inner)
        self.visit(node.elt, inner)

    def assign(self, node: ast.Assign, ctx: _Ctx) -> None:
        if (
            ctx.local is not None
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            ctx.local[node.targets[0].id] = node.value
        if isinstance(node.value, ast.List | ast.Tuple | ast.Set):
            for tgt in node.targets:
                if isinstance(tgt, ast.Name):
                    self.sequences[tgt.id] = node.value
        full = self.qualified(node.value)
        if full in GETENV or full in ENVIRON:  # ``env = os.environ`` / ``get = os.getenv``
            module, _, attr = full.rpartition(".")
            for tgt in node.targets:
                if isinstance(tgt, ast.Name):
                    self.out.imports[tgt.id] = (module, attr)
        if isinstance(node.value, ast.Call):
            family = READER_CLASSES.get(self.qualified(node.value.func) or "")
            for tgt in node.targets:
                if family and isinstance(tgt, ast.Name):
                    self.instances[tgt.id] = family


def _main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":``"""
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _subclasses(*bases: type[ast.AST]) -> frozenset[type[ast.AST]]:
    found: set[type[ast.AST]] = set()
    for base in bases:
        found.update(base.__subclasses__())
    return frozenset(found)


_LEAVES = frozenset({ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.alias}) | (
    _subclasses(ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
)


def scan_file(
    tree: ast.Module, index: ModuleIndex, path: str, imported: ImportedFamily | None = None
) -> FileScan:
    """Scan one module; ``imported`` maps an import binding to the reader family of the
    instance it names in another module of the app (``from app.config import env``)."""
    scanner = _Scanner(index, path, imported)
    for stmt in tree.body:
        scanner.visit(stmt, _Ctx())
    return scanner.out
