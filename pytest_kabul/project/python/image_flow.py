"""Intraprocedural flow of image payloads into model attributes (KAB601's analysis).

A value is an image payload when it is a ``data:image/...;base64,`` string (literal, f-string,
concatenation, ``str.format``/``%``), or ``base64.b64encode(...)`` (``.decode()``d or not) of
file/upload bytes: ``await file.read()``, ``path.read_bytes()``, ``buf.getvalue()``,
``response.content``, or a variable/parameter named like image bytes. Hashes, HMACs, ciphers
and random tokens are never image bytes. Locals carry payloads through assignments within one
function; a call to a function of the same module whose ``return`` is a payload is one too.
Writes are ``Model(col=v)``, ``Model(**{"col": v})``, ``Model.model_validate({"col": v})``,
``insert(Model).values(col=v)``, ``obj.col = v`` and ``setattr(obj, "col", v)``.

Across one call boundary: a payload passed to a first-party function (resolved by the caller's
``callees``) that writes that parameter into a column is a write at the call. A string named as
an encoded image (``avatar_data_url``, ``image_base64``, ``photo_b64``) or one the code tests
for a ``data:image`` prefix is a data URL too: a request body that carries one and is stored
unchanged is found without seeing the frontend that built it.
"""

from __future__ import annotations

import ast
import enum
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

from pytest_kabul.project.python.segments import segment
from pytest_kabul.project.python.stmtwalk import statements

if TYPE_CHECKING:
    from pytest_kabul.project.python.image_callees import Callee

    Callees = Callable[[ast.Call], list[Callee]]

_B64_FUNCS = frozenset({"b64encode", "standard_b64encode", "urlsafe_b64encode", "encodebytes"})
_READS = frozenset({"read", "aread", "read_bytes", "getvalue", "getbuffer", "tobytes"})
_NOT_IMAGE = re.compile(
    r"hash|hmac|digest|encrypt|cipher|fernet|urandom|token_bytes|secret|sign", re.I
)
_IMAGE_NAME = re.compile(
    r"image|img|photo|picture|avatar|thumb|upload|file|logo|banner|attachment|screenshot", re.I
)
_DATA_IMAGE = re.compile(r"data:image/", re.I)
_ENCODED = re.compile(r"data_?url|base_?64|b64", re.I)
_DATA_PREFIX = re.compile(r"^\^?data:", re.I)


class Payload(enum.Enum):
    FILE_BYTES = "file bytes"
    BASE64 = "base64 of file bytes"
    BASE64_ANY = "base64 of unknown bytes"  # only a payload inside a data: URL
    DATA_URL = "data:image base64 URL"


@dataclass(frozen=True)
class Taint:
    kind: Payload
    why: str  # how the value became a payload, for the evidence


@dataclass(frozen=True)
class Write:
    model: str | None  # None: obj.col = v where obj's class is unknown
    attr: str
    line: int
    taint: Taint
    code: str


def _stored(taint: Taint) -> bool:
    """A payload that is a finding when it reaches a column."""
    return taint.kind in (Payload.BASE64, Payload.DATA_URL)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Await):
        return _name(node.value)
    return ""


class FlowScanner:
    def __init__(
        self,
        text: str,
        summaries: dict[str, Taint] | None = None,
        globals_: dict[str, Taint] | None = None,
        callees: Callees | None = None,
    ) -> None:
        self.text = text
        self.env: dict[str, Taint] = dict(globals_ or {})
        self.types: dict[str, str] = {}
        self.summaries = summaries or {}
        self.callees = callees
        self.data_checked: set[str] = set()  # expressions tested for a ``data:`` prefix

    def src(self, node: ast.AST) -> str:
        seg = segment(self.text, node) or ast.unparse(node)
        seg = " ".join(seg.split())
        return seg if len(seg) <= 90 else seg[:87] + "..."

    def _forbidden(self, node: ast.AST) -> bool:
        return any(
            isinstance(n, (ast.Name, ast.Attribute)) and _NOT_IMAGE.search(_name(n))
            for n in ast.walk(node)
        )

    def taint(self, node: ast.AST | None) -> Taint | None:
        if node is None:
            return None
        if isinstance(node, ast.Await):
            return self.taint(node.value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DATA_IMAGE.search(node.value) and ";base64," in node.value:
                return Taint(Payload.DATA_URL, f"literal {self.src(node)}")
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            named = self._named_encoded(node)
            if named is not None:
                return named
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "content":
            if not self._forbidden(node):
                return Taint(Payload.FILE_BYTES, self.src(node))
            return None
        if isinstance(node, ast.JoinedStr):
            consts = "".join(str(v.value) for v in node.values if _is_str(v))
            parts = [self.taint(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
            return self._combine(node, consts, parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            consts = "".join(str(n.value) for n in ast.walk(node) if _is_str(n))
            parts = [self.taint(node.left), self.taint(node.right)]
            if isinstance(node.right, ast.Tuple):
                parts += [self.taint(e) for e in node.right.elts]
            return self._combine(node, consts, parts)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.IfExp):
            return self.taint(node.body) or self.taint(node.orelse)
        if isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
            items = node.values if isinstance(node, ast.Dict) else node.elts
            found = [t for t in map(self.taint, items) if t is not None and _stored(t)]
            return found[0] if found else None
        return None

    def _named_encoded(self, node: ast.Name | ast.Attribute) -> Taint | None:
        """``body.avatar_data_url`` / ``image_b64`` / a value tested for ``data:image``."""
        if isinstance(node, ast.Name) and node.id in self.env:
            return None  # a local: its own assignment decides
        name = _name(node)
        if self.data_checked and _dotted(node) in self.data_checked:
            return Taint(Payload.DATA_URL, f"{_dotted(node)} (checked for a data: URL prefix)")
        if (
            _ENCODED.search(name)
            and (_IMAGE_NAME.search(name) or re.search(r"data_?url", name, re.I))
            and not _NOT_IMAGE.search(name)
        ):
            return Taint(Payload.DATA_URL, f"{_dotted(node)} (an encoded image, by its name)")
        return None

    def note_data_checks(self, nodes: list[ast.AST]) -> None:
        """Remember ``x.startswith("data:")``, ``"data:image" in x``, ``re.match("^data:", x)``."""
        for node in nodes:
            checked: ast.AST | None = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                args = node.args
                if node.func.attr == "startswith" and any(
                    _is_str(a) and str(a.value).lower().startswith("data:") for a in args
                ):
                    checked = node.func.value
                elif (
                    node.func.attr in ("match", "search", "fullmatch")
                    and len(args) >= 2
                    and _is_str(args[0])
                    and _DATA_PREFIX.search(str(args[0].value))
                ):
                    checked = args[1]
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], ast.In)
                and _is_str(node.left)
                and str(node.left.value).lower().startswith("data:")
            ):
                checked = node.comparators[0]
            key = _dotted(checked) if checked is not None else None
            if key:
                self.data_checked.add(key)

    def _combine(self, node: ast.AST, consts: str, parts: list[Taint | None]) -> Taint | None:
        found = [p for p in parts if p is not None]
        if _DATA_IMAGE.search(consts) or (
            "data:" in consts
            and ";base64," in consts
            and any(p.kind is not Payload.FILE_BYTES for p in found)
        ):
            inner = "; ".join(sorted({p.why for p in found}))
            return Taint(Payload.DATA_URL, self.src(node) + (f" from {inner}" if inner else ""))
        strongest = [p for p in found if _stored(p)]
        return strongest[0] if strongest else None

    def _call(self, node: ast.Call) -> Taint | None:
        func = node.func
        fname = _name(func)
        if fname in _B64_FUNCS and node.args:
            inner = self.taint(node.args[0])
            if inner is not None and inner.kind is Payload.FILE_BYTES:
                return Taint(Payload.BASE64, f"{self.src(node)} of {inner.why}")
            if not self._forbidden(node.args[0]):
                return Taint(Payload.BASE64_ANY, self.src(node))
            return None
        if isinstance(func, ast.Attribute):
            if func.attr in ("decode", "strip", "replace") or (func.attr == "format"):
                base = self.taint(func.value)
                if func.attr == "format" and isinstance(func.value, ast.Constant):
                    args = [self.taint(a) for a in (*node.args, *(k.value for k in node.keywords))]
                    return self._combine(node, str(func.value.value), args)
                return base if base is not None and base.kind is not Payload.FILE_BYTES else None
            if func.attr in _READS and not self._forbidden(node):
                return Taint(Payload.FILE_BYTES, self.src(node))
        if fname == "str" and node.args:
            return self.taint(node.args[0])
        if fname in self.summaries:
            summary = self.summaries[fname]
            return Taint(summary.kind, f"{self.src(node)} (returns {summary.why})")
        return None

    # -- statements -------------------------------------------------------------------
    def bind_params(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for arg in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs):
            ann = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            if "bytes" in ann and _IMAGE_NAME.search(arg.arg) and not _NOT_IMAGE.search(arg.arg):
                self.env[arg.arg] = Taint(Payload.FILE_BYTES, f"parameter {arg.arg}: {ann}")
            if arg.annotation is not None:
                self.types[arg.arg] = _name(arg.annotation)

    def assign(self, targets: list[ast.expr], value: ast.expr, line: int) -> None:
        found = self.taint(value)
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if found is not None:
                self.env[target.id] = Taint(found.kind, f"{target.id} = {found.why} (line {line})")
            call = value.value if isinstance(value, ast.Await) else value
            if isinstance(call, ast.Call):
                if _name(call.func) in ("get", "get_one", "scalar_one") and call.args:
                    self.types[target.id] = _name(call.args[0])
                elif _name(call.func)[:1].isupper():
                    self.types[target.id] = _name(call.func)

    def writes(self, node: ast.AST) -> Iterator[Write]:
        if isinstance(node, ast.Call):
            yield from self._call_writes(node)
            if self.callees is not None:
                yield from self._callee_writes(node, self.callees)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and node.value is not None:
                    found = self.taint(node.value)
                    if found is not None and _stored(found):
                        owner = (
                            self.types.get(_name(target.value))
                            if isinstance(target.value, ast.Name)
                            else None
                        )
                        yield Write(owner, target.attr, node.lineno, found, self.src(node))

    def _call_writes(self, node: ast.Call) -> Iterator[Write]:
        fname = _name(node.func)
        model = fname
        pairs: list[tuple[str, ast.expr, int]] = []
        if fname == "setattr" and len(node.args) == 3 and isinstance(node.args[1], ast.Constant):
            owner = self.types.get(_name(node.args[0]))
            found = self.taint(node.args[2])
            if found is not None and _stored(found):
                yield Write(owner, str(node.args[1].value), node.lineno, found, self.src(node))
            return
        if fname in ("model_validate", "from_orm", "parse_obj", "values") and isinstance(
            node.func, ast.Attribute
        ):
            model = _name(node.func.value)
            if isinstance(node.func.value, ast.Call) and _name(node.func.value) in (
                "insert",
                "update",
            ):
                model = _name(node.func.value.args[0]) if node.func.value.args else ""
        for kw in node.keywords:
            if kw.arg is not None:
                pairs.append((kw.arg, kw.value, kw.value.lineno))
            elif isinstance(kw.value, ast.Dict):
                pairs += _dict_pairs(kw.value)
        for arg in node.args:
            if isinstance(arg, ast.Dict):
                pairs += _dict_pairs(arg)
        for attr, value, line in pairs:
            found = self.taint(value)
            if found is not None and _stored(found):
                yield Write(model, attr, line, found, f"{attr}={self.src(value)}")

    def _callee_writes(self, node: ast.Call, callees: Callees) -> Iterator[Write]:
        """A payload passed to a first-party function that stores that parameter."""
        for callee in callees(node):
            for param, arg in callee.bind(node):
                found = self.taint(arg)
                if found is None or not _stored(found):
                    continue
                before = {
                    (w.model, w.attr, w.line) for w in _guarded(FlowScanner(callee.text), callee.fn)
                }
                inner = _guarded(FlowScanner(callee.text), callee.fn, seed={param: found})
                for write in inner:
                    if (write.model, write.attr, write.line) in before:
                        continue
                    yield Write(
                        write.model,
                        write.attr,
                        node.lineno,
                        Taint(
                            found.kind,
                            f"{found.why}, passed to {callee.name}({param}=...), which stores it"
                            f" at {callee.rel}:{write.line}",
                        ),
                        self.src(node),
                    )


def _dotted(node: ast.AST) -> str:
    """``body.image`` for a Name/Attribute chain, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _is_str(node: ast.AST) -> TypeGuard[ast.Constant]:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _dict_pairs(node: ast.Dict) -> list[tuple[str, ast.expr, int]]:
    return [
        (str(k.value), v, v.lineno)
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    ]


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function definition, in ``ast.walk``'s order, expressions not walked."""
    for node in statements(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _body_nodes(fn: ast.AST) -> list[ast.AST]:
    """Nodes of one function, nested functions excluded, in source order: computed once per
    function (a function is scanned for its summary, its writes, and once more per caller
    that passes it a payload). Weak keys: the list goes when the tree does."""
    cached = _BODIES.get(fn)
    if cached is None:
        cached = _BODIES[fn] = _collect_body(fn)
    return cached


_BODIES: weakref.WeakKeyDictionary[ast.AST, list[ast.AST]] = weakref.WeakKeyDictionary()


def _collect_body(fn: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _scan(scanner: FlowScanner, fn: ast.AST, seed: dict[str, Taint] | None = None) -> list[Write]:
    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scanner.bind_params(fn)
    scanner.env.update(seed or {})
    nodes = _body_nodes(fn)
    scanner.note_data_checks(nodes)
    for _ in range(2):  # twice, so loops that assign after use still propagate
        for node in nodes:
            if isinstance(node, ast.Assign):
                scanner.assign(node.targets, node.value, node.lineno)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                scanner.assign([node.target], node.value, node.lineno)
            elif isinstance(node, ast.AugAssign):
                scanner.assign(
                    [node.target], ast.BinOp(node.target, node.op, node.value), node.lineno
                )
    writes: list[Write] = []
    for node in nodes:
        writes.extend(scanner.writes(node))
    return writes


def module_writes(tree: ast.Module, text: str, callees: Callees | None = None) -> list[Write]:
    summaries: dict[str, Taint] = {}
    for fn in _functions(tree):
        scanner = FlowScanner(text)
        _guarded(scanner, fn)
        for node in _body_nodes(fn):
            if isinstance(node, ast.Return):
                try:
                    found = scanner.taint(node.value)
                except RecursionError:
                    continue
                if found is not None and _stored(found):
                    summaries[fn.name] = Taint(found.kind, f"{fn.name}() -> {found.why}")
    module = FlowScanner(text, summaries, callees=callees)
    writes = _guarded(module, tree)
    for fn in _functions(tree):
        writes.extend(_guarded(FlowScanner(text, summaries, module.env, callees), fn))
    return writes


def _guarded(
    scanner: FlowScanner, scope: ast.AST, seed: dict[str, Taint] | None = None
) -> list[Write]:
    """A pathologically deep expression (a 2000-part concatenation) skips its scope."""
    try:
        return _scan(scanner, scope, seed)
    except RecursionError:
        return []
