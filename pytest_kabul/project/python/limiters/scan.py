"""Rate limiters of every Python app, found by AST (never imported).

``rate_limiters(project) -> tuple[RateLimiter, ...]`` finds:

- custom limiters: a class (``BaseHTTPMiddleware`` subclass, pure ASGI middleware, a callable
  dependency class) or a function (a ``Depends`` dependency) that answers 429
  (``status_code=429``, ``HTTP_429_TOO_MANY_REQUESTS``, ``TooManyRequests``). Its state is in
  process memory when its counters live in a ``dict``/``defaultdict``/``deque``/``list``/
  ``Counter``/``OrderedDict``/``TTLCache``/``LRUCache`` held on ``self`` or at module level;
  shared when it talks to Redis/Memcached/a database session instead;
- slowapi ``Limiter(...)``: memory without ``storage_uri``, with ``memory://``, or with a
  Settings field / ``os.getenv`` default of ``memory://``; ``swallow_errors=True`` fails open;
- ``limits`` ``MemoryStorage()`` / ``storage_from_string("memory://")``;
- pyrate-limiter (also behind fastapi-limiter >= 0.2) ``Limiter(...)`` / ``InMemoryBucket``
  unless a ``RedisBucket``/``PostgresBucket`` is used.

For each limiter: where its key comes from (the socket's client host, or a client-controlled
``X-Forwarded-For`` / ``X-Real-IP`` header) and whether an ``except`` around its storage call
lets the request through (fails open).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.limiters.custom import custom_limiter
from pytest_kabul.project.python.limiters.libraries import library_limiters
from pytest_kabul.project.python.limiters.model import RateLimiter


def _units(tree: ast.Module) -> Iterator[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt


@facet
def rate_limiters(project: Project) -> tuple[RateLimiter, ...]:
    found: list[RateLimiter] = []
    for app in python_apps(project):
        for rel in app.runtime_files:
            text = project.read_text(rel)
            if text is None or not any(
                w in text
                for w in ("429", "TOO_MANY", "TooMany", "imiter", "MemoryStorage", "Bucket")
            ):
                continue
            tree = project.parse_python(rel)
            if tree is None:
                continue
            for unit in _units(tree):
                limiter = custom_limiter(app, rel, tree, unit)
                if limiter is not None:
                    found.append(limiter)
            found.extend(library_limiters(project, app, rel, tree))
    unique = {(f.path, f.name): f for f in found}
    return tuple(sorted(unique.values(), key=lambda f: (f.path, f.line, f.name)))
