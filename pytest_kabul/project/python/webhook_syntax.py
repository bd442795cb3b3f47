"""The syntax KAB206 reads in a verifier: secrets, presence tests, verdicts, digests.

Helpers of :mod:`pytest_kabul.project.python.webhooks` over the standard ``ast``: what names a
secret, what a test of its presence looks like, what a block's first return or raise decides,
and which expressions are keyed digests or signatures. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import enum
import re

NAME_CUE = re.compile(r"webhook|signature|(?:^|_)sig(?:s|nature)?(?:_|$)|hmac|svix", re.I)
HEADER_CUE = re.compile(
    r"^(?:[\w-]*signature[\w-]*|svix-[\w-]+|webhook-[\w-]+|x-[\w-]*(?:secret|token)[\w-]*)$", re.I
)
_VERIFY_CALLS = frozenset({"construct_event", "verify_header", "compare_digest"})
_SECRET_WORD = re.compile(
    r"secret|signing_?key|hmac_?key|webhook_?key|webhook_?token|verif(?:y|ication)_?token"
    r"|auth_?token|^(?:signature_?)?(?:validator|verifier)$",
    re.I,
)
# Text that may hold what :func:`secret_expr` reads: its words, unanchored (a prefilter).
SECRET_TEXT = re.compile(
    r"secret|signing_?key|hmac_?key|webhook_?key|webhook_?token|verif(?:y|ication)_?token"
    r"|auth_?token|validator|verifier",
    re.I,
)
_SENSITIVE_PART = frozenset(
    {"sig", "signature", "signatures", "digest", "hmac", "mac", "secret", "token"}
)
_ACCEPT_CALLS = frozenset({"call_next"})


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{dotted(node.func)}()"
    if isinstance(node, ast.Await):
        return dotted(node.value)
    return ""


def last_name(node: ast.expr) -> str:
    return dotted(node).rstrip("()").rsplit(".", 1)[-1]


def secret_expr(node: ast.expr) -> str | None:
    """The secret an expression reads (``settings.STRIPE_WEBHOOK_SECRET``), else None."""
    if isinstance(node, ast.Call) and last_name(node.func) in ("getenv", "get") and node.args:
        first = node.args[0]
        is_env = last_name(node.func) == "getenv" or "environ" in dotted(node.func)
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value if _SECRET_WORD.search(first.value) else None
        return None
    if isinstance(node, ast.Subscript) and "environ" in dotted(node.value):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value if _SECRET_WORD.search(key.value) else None
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        last = last_name(node)
        if _SECRET_WORD.search(last) and not last.lower().startswith(("is_", "has_", "require")):
            return dotted(node)
    return None


def presence(test: ast.expr) -> tuple[str, bool] | None:
    """(secret, True) for a test that holds when the secret is set, (secret, False) when empty."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = presence(test.operand)
        return (inner[0], not inner[1]) if inner else None
    if isinstance(test, ast.Call) and last_name(test.func) in ("bool", "len") and test.args:
        return presence(test.args[0])
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


class Outcome(enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    NONE = "none"  # falls through / ignores the request (not a verdict)


def status_code(call: ast.Call) -> int | None:
    for kw in call.keywords:
        if kw.arg in ("status_code", "status") and isinstance(kw.value, ast.Constant):
            value = kw.value.value
            return value if isinstance(value, int) else None
        if kw.arg in ("status_code", "status") and isinstance(kw.value, ast.Attribute):
            found = re.search(r"_(\d{3})_", kw.value.attr + "_")
            return int(found.group(1)) if found else None
    return None


def terminal(stmts: list[ast.stmt], *, raising: bool) -> Outcome | None:
    """The verdict of the first return/raise/abort of a block (None when it has none)."""
    for stmt in stmts:
        if isinstance(stmt, ast.Raise):
            return Outcome.REJECT
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            if last_name(stmt.value.func) in ("abort", "reject", "forbidden", "unauthorized"):
                return Outcome.REJECT
            continue
        if isinstance(stmt, ast.Return):
            value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                return Outcome.ACCEPT if raising else Outcome.NONE
            if isinstance(value, ast.Constant):
                return Outcome.ACCEPT if value.value else Outcome.REJECT
            if isinstance(value, ast.Call):
                if last_name(value.func) in _ACCEPT_CALLS:
                    return Outcome.ACCEPT
                code = status_code(value)
                if code is not None and code >= 400:
                    return Outcome.REJECT
            return Outcome.NONE
        if isinstance(stmt, (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.AsyncWith)):
            return None  # control flow: the verdict is not simply the next statement
    return None


def contains_verification(nodes: list[ast.stmt]) -> bool:
    """A signature is checked here: a verify/compare call or an ``==`` on a signature. Computing
    one (``hmac.new``) is not checking it: an outgoing webhook signs only when it has a secret."""
    for stmt in nodes:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                name = last_name(node.func).lower()
                if name in _VERIFY_CALLS or "verif" in name:
                    return True
                if name == "verify" or (name.startswith("check") and "sig" in name):
                    return True
            if isinstance(node, ast.Compare) and any(
                isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops
            ):
                sides = [node.left, *node.comparators]
                if any(sensitive_name(s) for s in sides):
                    return True
    return False


def hmac_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func).rstrip("()")
    if name in ("hmac.new", "hmac.digest", "hmac.HMAC", "HMAC", "new_hmac"):
        return True
    digest = name.endswith((".hexdigest", ".digest"))
    return digest and any(hmac_call(n) for n in ast.walk(node.func) if n is not node)


def sensitive_name(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and last_name(node.func) == "get":
        arg = node.args[0] if node.args else None
        if "headers" in dotted(node.func) and isinstance(arg, ast.Constant):
            return isinstance(arg.value, str) and bool(HEADER_CUE.match(arg.value))
        return False
    if isinstance(node, ast.Subscript) and "headers" in dotted(node.value):
        key = node.slice
        return isinstance(key, ast.Constant) and bool(HEADER_CUE.match(str(key.value)))
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return False
    parts = set(re.split(r"[_\W]+", last_name(node).lower()))
    return bool(parts & _SENSITIVE_PART) and "type" not in parts and "version" not in parts


def is_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.Call) and last_name(node.func) == "len"
    )


class _Masked(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, (str, bytes)) and len(node.value) > 3:
            return ast.Constant(value="...")
        return node


def render(node: ast.expr) -> str:
    """Source text of an expression with string literals masked (never print a key)."""
    copy = ast.parse(ast.unparse(node), mode="eval")
    return ast.unparse(_Masked().visit(copy))
