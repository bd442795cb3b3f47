"""Webhook and signature verifiers in runtime code, and the ways they fail open (KAB206).

A *verifier* is a function of a production app's runtime files that names a webhook or a
signature (``stripe_webhook``, ``verify_signature``, ``check_hmac``), reads a signature header
(``Stripe-Signature``, ``X-Hub-Signature-256``, ``X-Signature``, ``svix-*``, ``webhook-*``, an
``X-...-Token``/``-Secret`` header) or computes one (``hmac.new``, ``hmac.digest``, Stripe's
``construct_event``/``verify_header``, svix ``Webhook``). Inside each verifier the AST is read for
three weaknesses:

- ``RETURNS_SUCCESS``: a test that the secret setting is empty (``if not secret:``,
  ``secret is None``, ``not secret or ...``) whose branch returns success (``return True``; a bare
  ``return`` in a verifier that rejects by raising; ``return await call_next(request)``).
- ``SKIPS_WHEN_EMPTY``: the verification sits in an ``if secret:`` branch (``if
  settings.X and sig != expected: raise`` included) and the path taken when the secret is empty
  neither rejects nor stops: the request is processed unverified.
- ``PLAIN_COMPARE``: a keyed digest (``hmac.new(...).hexdigest()`` or a name assigned from one),
  a signature or a secret token compared with ``==``/``!=`` instead of
  ``hmac.compare_digest``/``secrets.compare_digest``.

A "secret" is a name, attribute or environment read whose last identifier says so (``secret``,
``signing_key``, ``webhook_token``, ``verify_token``): a feature flag (``REQUIRE_SIGNATURE``) is
not one. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import python_apps


class Weakness(enum.Enum):
    RETURNS_SUCCESS = "returns-success"
    SKIPS_WHEN_EMPTY = "skips-when-empty"
    PLAIN_COMPARE = "plain-compare"


@dataclass(frozen=True, order=True)
class Flaw:
    line: int
    kind: Weakness
    what: str  # the secret (or the compared expressions) as written


@dataclass(frozen=True)
class Verifier:
    app: str
    path: str
    line: int
    name: str  # qualified function name (``Router.stripe_webhook``)
    flaws: tuple[Flaw, ...]

    @property
    def subject(self) -> str:
        return f"{self.app}:{self.path}:{self.name}"


_NAME_CUE = re.compile(r"webhook|signature|(?:^|_)sig(?:s|nature)?(?:_|$)|hmac|svix", re.I)
_HEADER_CUE = re.compile(
    r"^(?:[\w-]*signature[\w-]*|svix-[\w-]+|webhook-[\w-]+|x-[\w-]*(?:secret|token)[\w-]*)$", re.I
)
_VERIFY_CALLS = frozenset({"construct_event", "verify_header", "compare_digest"})
_SECRET_WORD = re.compile(
    r"secret|signing_?key|hmac_?key|webhook_?key|webhook_?token|verif(?:y|ication)_?token"
    r"|auth_?token|^(?:signature_?)?(?:validator|verifier)$",
    re.I,
)
_SENSITIVE_PART = frozenset(
    {"sig", "signature", "signatures", "digest", "hmac", "mac", "secret", "token"}
)
_ACCEPT_CALLS = frozenset({"call_next"})


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    if isinstance(node, ast.Await):
        return _dotted(node.value)
    return ""


def _last(node: ast.expr) -> str:
    return _dotted(node).rstrip("()").rsplit(".", 1)[-1]


def secret_expr(node: ast.expr) -> str | None:
    """The secret an expression reads (``settings.STRIPE_WEBHOOK_SECRET``), else None."""
    if isinstance(node, ast.Call) and _last(node.func) in ("getenv", "get") and node.args:
        first = node.args[0]
        is_env = _last(node.func) == "getenv" or "environ" in _dotted(node.func)
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value if _SECRET_WORD.search(first.value) else None
        return None
    if isinstance(node, ast.Subscript) and "environ" in _dotted(node.value):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value if _SECRET_WORD.search(key.value) else None
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        last = _last(node)
        if _SECRET_WORD.search(last) and not last.lower().startswith(("is_", "has_", "require")):
            return _dotted(node)
    return None


def _presence(test: ast.expr) -> tuple[str, bool] | None:
    """(secret, True) for a test that holds when the secret is set, (secret, False) when empty."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _presence(test.operand)
        return (inner[0], not inner[1]) if inner else None
    if isinstance(test, ast.Call) and _last(test.func) in ("bool", "len") and test.args:
        return _presence(test.args[0])
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        empty = isinstance(right, ast.Constant) and right.value in (None, "", b"", 0)
        secret = secret_expr(left) if empty else None
        if secret is not None:
            if isinstance(op, (ast.Is, ast.Eq)):
                return secret, False
            if isinstance(op, (ast.IsNot, ast.NotEq, ast.Gt)):
                return secret, True
        return None
    secret = secret_expr(test)
    return (secret, True) if secret else None


class _Outcome(enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    NONE = "none"  # falls through / ignores the request (not a verdict)


def _status(call: ast.Call) -> int | None:
    for kw in call.keywords:
        if kw.arg in ("status_code", "status") and isinstance(kw.value, ast.Constant):
            value = kw.value.value
            return value if isinstance(value, int) else None
        if kw.arg in ("status_code", "status") and isinstance(kw.value, ast.Attribute):
            found = re.search(r"_(\d{3})_", kw.value.attr + "_")
            return int(found.group(1)) if found else None
    return None


def _terminal(stmts: list[ast.stmt], *, raising: bool) -> _Outcome | None:
    """The verdict of the first return/raise/abort of a block (None when it has none)."""
    for stmt in stmts:
        if isinstance(stmt, ast.Raise):
            return _Outcome.REJECT
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            if _last(stmt.value.func) in ("abort", "reject", "forbidden", "unauthorized"):
                return _Outcome.REJECT
            continue
        if isinstance(stmt, ast.Return):
            value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                return _Outcome.ACCEPT if raising else _Outcome.NONE
            if isinstance(value, ast.Constant):
                return _Outcome.ACCEPT if value.value else _Outcome.REJECT
            if isinstance(value, ast.Call):
                if _last(value.func) in _ACCEPT_CALLS:
                    return _Outcome.ACCEPT
                code = _status(value)
                if code is not None and code >= 400:
                    return _Outcome.REJECT
            return _Outcome.NONE
        if isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.AsyncWith)):
            return None  # control flow: the verdict is not simply the next statement
    return None


def _contains_verification(nodes: list[ast.stmt]) -> bool:
    for stmt in nodes:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                name = _last(node.func).lower()
                if name in _VERIFY_CALLS or _hmac_call(node) or "verif" in name:
                    return True
                if name == "verify" or (name.startswith("check") and "sig" in name):
                    return True
            if isinstance(node, ast.Compare) and any(
                isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops
            ):
                sides = [node.left, *node.comparators]
                if any(_sensitive_name(s) for s in sides):
                    return True
    return False


def _hmac_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func).rstrip("()")
    if name in ("hmac.new", "hmac.digest", "hmac.HMAC", "HMAC", "new_hmac"):
        return True
    digest = name.endswith((".hexdigest", ".digest"))
    return digest and any(_hmac_call(n) for n in ast.walk(node.func) if n is not node)


def _sensitive_name(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and _last(node.func) == "get":
        arg = node.args[0] if node.args else None
        if "headers" in _dotted(node.func) and isinstance(arg, ast.Constant):
            return isinstance(arg.value, str) and bool(_HEADER_CUE.match(arg.value))
        return False
    if isinstance(node, ast.Subscript) and "headers" in _dotted(node.value):
        key = node.slice
        return isinstance(key, ast.Constant) and bool(_HEADER_CUE.match(str(key.value)))
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return False
    parts = set(re.split(r"[_\W]+", _last(node).lower()))
    return bool(parts & _SENSITIVE_PART) and "type" not in parts and "version" not in parts


def _is_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.Call) and _last(node.func) == "len"
    )


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, Any]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_verifier(name: str, fn: ast.AST) -> bool:
    """Reads a signature header or computes a signature; or is named for a webhook/signature
    and reads a secret (a client method or a cache key named ``*_signature`` is neither)."""
    named = bool(_NAME_CUE.search(name.rsplit(".", 1)[-1]))
    for node in _own_nodes(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _HEADER_CUE.match(node.value):
                return True
        elif (
            isinstance(node, ast.Call)
            and (_hmac_call(node) or _last(node.func) in ("construct_event", "verify_header"))
        ) or (named and isinstance(node, ast.expr) and secret_expr(node) is not None):
            return True
    return False


_VERIFIER_WORD = re.compile(r"verif|check|validat|ensure|authenticat|require|assert", re.I)
_SIGN_PART = frozenset({"sign", "signature", "hmac", "digest", "hexdigest", "mac"})


def _digest_names(fn: ast.AST) -> frozenset[str]:
    """Names assigned from a keyed digest (``hmac.new(...)``) or a signing helper."""
    out: set[str] = set()
    for node in _own_nodes(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            signed = any(
                _hmac_call(n)
                or (
                    isinstance(n, ast.Call)
                    and bool(set(re.split(r"[_\W]+", _last(n.func).lower())) & _SIGN_PART)
                )
                for n in ast.walk(node.value)
            )
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if signed:
                out.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(out)


class _Reader:
    def __init__(self, name: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        own = list(_own_nodes(fn))
        returns_false = any(
            isinstance(n, ast.Return)
            and isinstance(n.value, ast.Constant)
            and n.value.value is False
            for n in own
        )
        self.raising = (
            bool(_VERIFIER_WORD.search(name.rsplit(".", 1)[-1]))
            and any(isinstance(n, ast.Raise) for n in own)
            and not returns_false
        )
        self.digests = _digest_names(fn)
        self.flaws: list[Flaw] = []
        self.visit(fn.body, [])
        for node in own:
            if isinstance(node, ast.Compare):
                self.compare(node)

    def visit(self, stmts: list[ast.stmt], cont: list[ast.stmt]) -> None:
        for i, stmt in enumerate(stmts):
            following = stmts[i + 1 :] + cont
            if isinstance(stmt, ast.If):
                self.judge_if(stmt, following)
                self.visit(stmt.body, following)
                self.visit(stmt.orelse, following)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                self.visit(stmt.body, following)
            elif isinstance(stmt, ast.Try):
                self.visit(stmt.body, stmt.orelse + stmt.finalbody + following)
                for handler in stmt.handlers:
                    self.visit(handler.body, [])
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                self.visit(stmt.body, [])

    def judge_if(self, stmt: ast.If, following: list[ast.stmt]) -> None:
        test = stmt.test
        if isinstance(test, ast.BoolOp):
            self.judge_boolop(stmt, test, following)
            return
        found = _presence(test)
        if found is None:
            return
        secret, when_set = found
        set_branch, unset = (stmt.body, stmt.orelse) if when_set else (stmt.orelse, stmt.body)
        verdict = _terminal(unset, raising=self.raising)
        if verdict is _Outcome.ACCEPT:
            self.flaws.append(Flaw(stmt.lineno, Weakness.RETURNS_SUCCESS, secret))
            return
        if verdict is not None or any(isinstance(n, ast.Raise) for s in unset for n in ast.walk(s)):
            return
        if not _contains_verification(set_branch) or _contains_verification(unset):
            return
        if _terminal(following, raising=self.raising) is not _Outcome.REJECT:
            self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))

    def judge_boolop(self, stmt: ast.If, test: ast.BoolOp, following: list[ast.stmt]) -> None:
        parts = [(v, _presence(v)) for v in test.values]
        others = [v for v, p in parts if p is None]
        verdict = _terminal(stmt.body, raising=self.raising)
        for _value, found in parts:
            if found is None:
                continue
            secret, when_set = found
            if isinstance(test.op, ast.And) and when_set and verdict is _Outcome.REJECT:
                checks = [ast.Expr(value=v) for v in others]
                if _contains_verification(list(checks)):
                    self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))
                    return
            if isinstance(test.op, ast.Or) and not when_set and verdict is _Outcome.ACCEPT:
                self.flaws.append(Flaw(stmt.lineno, Weakness.RETURNS_SUCCESS, secret))
                return
            if (
                isinstance(test.op, ast.And)
                and when_set
                and verdict is None
                and _contains_verification(stmt.body)
                and _terminal(stmt.orelse, raising=self.raising) is not _Outcome.REJECT
                and _terminal(following, raising=self.raising) is not _Outcome.REJECT
            ):
                self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))
                return

    def keyed(self, node: ast.expr) -> bool:
        return _hmac_call(node) or (isinstance(node, ast.Name) and node.id in self.digests)

    def compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        if _is_constant(left) or _is_constant(right):
            return
        sensitive = [_sensitive_name(s) or secret_expr(s) is not None for s in (left, right)]
        if self.keyed(left) or self.keyed(right) or all(sensitive):
            op = "==" if isinstance(node.ops[0], ast.Eq) else "!="
            what = f"{_render(left)} {op} {_render(right)}"
            if len(what) > 80:
                what = what[:77] + "..."
            self.flaws.append(Flaw(node.lineno, Weakness.PLAIN_COMPARE, what))


class _Masked(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, (str, bytes)) and len(node.value) > 3:
            return ast.Constant(value="...")
        return node


def _render(node: ast.expr) -> str:
    """Source text of an expression with string literals masked (never print a key)."""
    copy = ast.parse(ast.unparse(node), mode="eval")
    return ast.unparse(_Masked().visit(copy))


def verifiers_in(project: Project, app: str, path: str) -> list[Verifier]:
    tree = project.parse_python(path)
    if tree is None:
        return []
    out: list[Verifier] = []
    for name, fn in _functions(tree):
        if not _is_verifier(name, fn):
            continue
        flaws = _Reader(name, fn).flaws
        out.append(
            Verifier(
                app,
                path,
                fn.lineno,
                name,
                tuple(sorted(set(flaws), key=lambda f: (f.line, f.kind.value, f.what))),
            )
        )
    return out


@facet
def webhook_verifiers(project: Project) -> tuple[Verifier, ...]:
    """Every webhook/signature verifier in the runtime files of production apps, sorted."""
    out: list[Verifier] = []
    for app in python_apps(project):
        if not app.production:
            continue
        for path in app.runtime_files:
            text = project.read_text(path) or ""
            if not re.search(r"webhook|signature|hmac|svix|secret|_sig", text, re.I):
                continue
            out.extend(verifiers_in(project, app.name, path))
    return tuple(sorted(out, key=lambda v: (v.subject, v.line)))
