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
from pytest_kabul.project.python.webhook_syntax import (
    HEADER_CUE,
    NAME_CUE,
    SECRET_TEXT,
    Outcome,
    contains_verification,
    hmac_call,
    is_constant,
    last_name,
    presence,
    render,
    secret_expr,
    sensitive_name,
    terminal,
)
from pytest_kabul.project.screens import Folded


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
    named = bool(NAME_CUE.search(name.rsplit(".", 1)[-1]))
    for node in _own_nodes(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if HEADER_CUE.match(node.value):
                return True
        elif (
            isinstance(node, ast.Call)
            and (hmac_call(node) or last_name(node.func) in ("construct_event", "verify_header"))
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
                hmac_call(n)
                or (
                    isinstance(n, ast.Call)
                    and bool(set(re.split(r"[_\W]+", last_name(n.func).lower())) & _SIGN_PART)
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
        found = presence(test)
        if found is None:
            return
        secret, when_set = found
        set_branch, unset = (stmt.body, stmt.orelse) if when_set else (stmt.orelse, stmt.body)
        verdict = terminal(unset, raising=self.raising)
        if verdict is Outcome.ACCEPT:
            self.flaws.append(Flaw(stmt.lineno, Weakness.RETURNS_SUCCESS, secret))
            return
        if verdict is not None or any(isinstance(n, ast.Raise) for s in unset for n in ast.walk(s)):
            return
        if not contains_verification(set_branch) or contains_verification(unset):
            return
        if terminal(following, raising=self.raising) is not Outcome.REJECT:
            self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))

    def judge_boolop(self, stmt: ast.If, test: ast.BoolOp, following: list[ast.stmt]) -> None:
        parts = [(v, presence(v)) for v in test.values]
        others = [v for v, p in parts if p is None]
        verdict = terminal(stmt.body, raising=self.raising)
        for _value, found in parts:
            if found is None:
                continue
            secret, when_set = found
            if isinstance(test.op, ast.And) and when_set and verdict is Outcome.REJECT:
                checks = [ast.Expr(value=v) for v in others]
                if contains_verification(list(checks)):
                    self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))
                    return
            if isinstance(test.op, ast.Or) and not when_set and verdict is Outcome.ACCEPT:
                self.flaws.append(Flaw(stmt.lineno, Weakness.RETURNS_SUCCESS, secret))
                return
            if (
                isinstance(test.op, ast.And)
                and when_set
                and verdict is None
                and contains_verification(stmt.body)
                and terminal(stmt.orelse, raising=self.raising) is not Outcome.REJECT
                and terminal(following, raising=self.raising) is not Outcome.REJECT
            ):
                self.flaws.append(Flaw(stmt.lineno, Weakness.SKIPS_WHEN_EMPTY, secret))
                return

    def keyed(self, node: ast.expr) -> bool:
        return hmac_call(node) or (isinstance(node, ast.Name) and node.id in self.digests)

    def compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        if is_constant(left) or is_constant(right):
            return
        sensitive = [sensitive_name(s) or secret_expr(s) is not None for s in (left, right)]
        if self.keyed(left) or self.keyed(right) or all(sensitive):
            op = "==" if isinstance(node.ops[0], ast.Eq) else "!="
            what = f"{render(left)} {op} {render(right)}"
            if len(what) > 80:
                what = what[:77] + "..."
            self.flaws.append(Flaw(node.lineno, Weakness.PLAIN_COMPARE, what))


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
            if _BROAD.search(text) and _may_verify(text):
                out.extend(verifiers_in(project, app.name, path))
    return tuple(sorted(out, key=lambda v: (v.subject, v.line)))


_BROAD_WORDS = ("webhook", "signature", "hmac", "svix", "secret", "_sig")
_BROAD = Folded("|".join(_BROAD_WORDS), _BROAD_WORDS)
# What :func:`_is_verifier` needs, in text: a signature-header string, a keyed digest or a
# verifying call; or a function named for a webhook/signature and a secret it could read.
_MAY_VERIFY = Folded(
    r"signature|svix|webhook-|hmac|construct_event|verify_header|x-[\w-]*(?:secret|token)",
    ("signature", "svix", "webhook-", "hmac", "construct_event", "verify_header", "x-"),
)
_DEF = re.compile(r"def\s+(\w+)")


def _may_verify(text: str) -> bool:
    """Whether a file can hold a verifier (it is parsed only then)."""
    if _MAY_VERIFY.search(text):
        return True
    return SECRET_TEXT.search(text) is not None and any(
        NAME_CUE.search(name) for name in _DEF.findall(text)
    )
