"""Custom rate limiters: a class or function that answers 429 and keeps its counters somewhere.

Also the key-source and fail-open analysis shared with :mod:`.libraries`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.limiters.model import KeySource, LimiterKind, RateLimiter, Storage
from pytest_kabul.project.python.settings.syntax import call_name

MEMORY_TYPES = frozenset(
    {"dict", "defaultdict", "deque", "list", "Counter", "OrderedDict", "TTLCache", "LRUCache",
     "TLRUCache", "ExpiringDict", "WeakValueDictionary"}
)  # fmt: skip
SHARED_HINTS = ("redis", "memcache", "pymemcache", "aiomcache", "session", "db", "cache_client")
STORAGE_CALLS = frozenset(
    {"incr", "incrby", "expire", "pexpire", "zadd", "zremrangebyscore", "zcard", "zcount",
     "evalsha", "eval", "execute", "pipeline", "get", "set", "setex", "ttl", "hincrby",
     "fcall", "script_load", "run_script"}
)  # fmt: skip
SPOOFABLE = {
    "x-forwarded-for": "X-Forwarded-For",
    "x-real-ip": "X-Real-IP",
    "forwarded": "Forwarded",
    "x-client-ip": "X-Client-IP",
    "cf-connecting-ip": "CF-Connecting-IP",
    "true-client-ip": "True-Client-IP",
}
SHARED_SCHEMES = ("redis", "rediss", "memcached", "mongodb", "etcd", "async+redis", "valkey")


def _is_429(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value == 429:
        return True
    if isinstance(node, ast.Attribute | ast.Name):
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        return "429" in name or name in {"TooManyRequests", "RateLimitExceeded"}
    return False


def answers_429(body: ast.AST) -> int | None:
    for node in ast.walk(body):
        if _is_429(node):
            return getattr(node, "lineno", None)
    return None


def _memory_container(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(value, ast.List | ast.ListComp):
        return "list"
    if isinstance(value, ast.Call):
        name = call_name(value)
        if name in MEMORY_TYPES:
            return name
    return None


def _assignments(scope: ast.AST) -> Iterator[tuple[str, ast.expr | None, int]]:
    """(target text, value, line) for ``x = ...``, ``self.x = ...`` and annotated forms."""
    for node in ast.walk(scope):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id, value, line
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id in {"self", "cls"}
            ):
                yield f"self.{target.attr}", value, line


def _used_names(scope: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            names.add(f"self.{node.attr}")
    return names


COUNTER_CALLS = frozenset(
    {"incr", "incrby", "expire", "pexpire", "zadd", "zremrangebyscore", "zcard", "evalsha",
     "pipeline", "hincrby", "setex", "fcall"}
)  # fmt: skip
STORAGE_MODULES = frozenset(
    {"redis", "aioredis", "coredis", "valkey", "memcache", "pymemcache", "aiomcache", "pylibmc"}
)


def _storage_call(node: ast.AST, storage_module: bool = False) -> bool:
    """A call on a Redis/Memcached/database client (by its name, or a counter command on any
    object when the module imports a Redis/Memcached client library)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if storage_module and node.func.attr in COUNTER_CALLS:
        return True
    if node.func.attr not in STORAGE_CALLS:
        return False
    owner = ast.unparse(node.func.value).lower()
    return any(hint in owner for hint in SHARED_HINTS)


def imports_storage(tree: ast.Module) -> bool:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
    return bool(roots & STORAGE_MODULES)


def _client_address(node: ast.AST) -> bool:
    """``request.client.host`` or ``scope["client"]``: the socket's peer address."""
    if isinstance(node, ast.Attribute) and node.attr == "host":
        return "client" in ast.unparse(node.value)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node).replace("'", '"').endswith('["client"]')
    return False


def key_source(scopes: Iterable[ast.AST]) -> tuple[KeySource, str, int | None]:
    client: int | None = None
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lower().replace("_", "-").removeprefix("http-")
                if text in SPOOFABLE:
                    return KeySource.FORWARDED_HEADER, f'header "{SPOOFABLE[text]}"', node.lineno
            if client is None and _client_address(node):
                client = getattr(node, "lineno", None)
            if isinstance(node, ast.Name) and node.id == "get_ipaddr":
                return (
                    KeySource.FORWARDED_HEADER,
                    'slowapi get_ipaddr ("X-Forwarded-For")',
                    (node.lineno),
                )
            if isinstance(node, ast.Name) and node.id == "get_remote_address" and client is None:
                client = node.lineno
    if client is not None:
        return KeySource.CLIENT_HOST, "the connection's client address", client
    return KeySource.UNKNOWN, "", None


def fails_open(scope: ast.AST, storage_module: bool = False) -> int | None:
    """The line of an ``except`` around a storage call that neither raises nor rejects."""
    for node in ast.walk(scope):
        if not isinstance(node, ast.Try):
            continue
        if not any(_storage_call(n, storage_module) for stmt in node.body for n in ast.walk(stmt)):
            continue
        for handler in node.handlers:
            rejects = any(
                isinstance(n, ast.Raise)
                or _is_429(n)
                or (isinstance(n, ast.Constant) and n.value in (500, 503))
                for stmt in handler.body
                for n in ast.walk(stmt)
            )
            if not rejects:
                return handler.lineno
    return None


def _module_containers(tree: ast.Module) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            for name, value, line in _assignments(stmt):
                kind = _memory_container(value)
                if kind is not None and not name.isupper():  # ALL_CAPS = constant config
                    found[name] = (kind, line)
    return found


def _exempt_constant(name: str) -> bool:
    upper = name.upper()
    return any(w in upper for w in ("EXEMPT", "PATH", "SKIP", "ALLOW", "WHITELIST", "IGNORE"))


def custom_limiter(
    app: PythonApp,
    rel: str,
    tree: ast.Module,
    unit: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
) -> RateLimiter | None:
    line_429 = answers_429(unit)
    if line_429 is None:
        return None
    used = _used_names(unit)
    memory: list[tuple[str, str, int]] = []
    for name, value, line in _assignments(unit):
        kind = _memory_container(value)
        if kind is not None and name.startswith("self.") and not _exempt_constant(name):
            memory.append((name, kind, line))
    for name, (kind, line) in _module_containers(tree).items():
        if name in used and not _exempt_constant(name):
            memory.append((name, kind, line))
    storage_module = imports_storage(tree)
    shared = any(_storage_call(n, storage_module) for n in ast.walk(unit))
    if shared:
        storage, detail = Storage.SHARED, "shared storage (Redis/Memcached/database)"
    elif memory:
        name, kind, _line = sorted(memory, key=lambda m: m[2])[0]
        storage, detail = Storage.MEMORY, f"{name} ({kind})"
    else:
        return None
    key, key_detail, key_line = key_source([unit])
    return RateLimiter(
        app=app.name,
        kind=LimiterKind.CUSTOM,
        name=unit.name,
        path=rel,
        line=unit.lineno,
        storage=storage,
        storage_detail=detail,
        key=key,
        key_detail=key_detail,
        key_line=key_line,
        fails_open_line=fails_open(unit, storage_module) if shared else None,
    )
