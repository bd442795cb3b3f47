"""The paths a Next.js ``middleware.ts`` / ``proxy.ts`` (Next 16) writes or imports.

Inline route lists are string arrays holding URL paths (``const publicPaths = ['/login']``), a
``config.matcher`` listing concrete paths (a single regex exclusion such as
``'/((?!_next/static|favicon.ico).*)'`` is not a route list), and path comparisons
(``pathname === '/login'``, ``pathname.startsWith('/auth')``). Paths in local modules the file
imports (``@/lib/routes``, ``./routes``) are collected too, so KAB702 can judge centralised
lists as well.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pytest_kabul.project.core import Project
from pytest_kabul.project.node.jsparse import (
    Kind,
    Token,
    import_specifiers,
    string_arrays,
    tokenize,
)
from pytest_kabul.project.node.nextjs import NextApp
from pytest_kabul.project.node.routes import path_pattern

_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts")
_COMPARE_BEFORE = frozenset({"===", "==", "!==", "!=", "case"})
_COMPARE_CALLS = frozenset({"startsWith", "endsWith", "includes", "match", "test"})


class ListKind(enum.Enum):
    LIST = "list"  # a string array of paths
    MATCHER = "matcher"  # config.matcher
    COMPARISON = "comparison"  # pathname === '/x', startsWith('/x')


@dataclass(frozen=True)
class PathList:
    file: str
    line: int
    name: str
    kind: ListKind
    paths: tuple[tuple[str, int], ...]  # (path, line), concrete path patterns only


@dataclass(frozen=True)
class MiddlewareFile:
    file: str
    inline: tuple[PathList, ...]
    imported: tuple[tuple[str, str], ...]  # (specifier, resolved project-relative file)
    module_paths: tuple[PathList, ...]  # path literals found in the imported local modules


def _path_items(items: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    return tuple((p, line) for p, line in items if path_pattern(p) is not None)


def inline_lists(rel: str, tokens: list[Token]) -> list[PathList]:
    found: list[PathList] = []
    for arr in string_arrays(tokens):
        paths = _path_items(arr.items)
        if paths:
            kind = ListKind.MATCHER if arr.name == "matcher" else ListKind.LIST
            found.append(PathList(rel, arr.line, arr.name, kind, paths))
    compares: list[tuple[str, int]] = []
    for idx, tok in enumerate(tokens):
        if tok.kind is not Kind.STRING or path_pattern(tok.value) is None:
            continue
        role = _role(tokens, idx)
        if role == "matcher":
            item = ((tok.value, tok.line),)
            found.append(PathList(rel, tok.line, "matcher", ListKind.MATCHER, item))
        elif role == "compare":
            compares.append((tok.value, tok.line))
    if compares:
        found.append(PathList(rel, compares[0][1], "", ListKind.COMPARISON, tuple(compares)))
    return sorted(found, key=lambda p: (p.line, p.kind.value))


def _value(tokens: list[Token], idx: int) -> str:
    return tokens[idx].value if 0 <= idx < len(tokens) else ""


def _role(tokens: list[Token], idx: int) -> str | None:
    """``matcher: '/x'`` -> "matcher"; ``=== '/x'``, ``startsWith('/x')`` -> "compare"."""
    before, prev2, after = _value(tokens, idx - 1), _value(tokens, idx - 2), _value(tokens, idx + 1)
    if before == ":" and prev2 in ("matcher", "source"):  # matcher: '/x' / [{ source: '/x' }]
        return "matcher"
    if before in _COMPARE_BEFORE or after in _COMPARE_BEFORE - {"case"}:
        return "compare"
    if before == "(" and prev2 in _COMPARE_CALLS:
        return "compare"
    return None


def _resolve(project: Project, app: NextApp, importer: str, spec: str) -> str | None:
    base_dir = importer.rsplit("/", 1)[0] if "/" in importer else ""
    bases: list[str] = []
    if spec.startswith("."):
        parts = [p for p in base_dir.split("/") if p]
        for piece in spec.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece and piece != ".":
                parts.append(piece)
        bases.append("/".join(parts))
    elif spec.startswith(("@/", "~/")):
        rest = spec[2:]
        bases += [app.path(f"src/{rest}"), app.path(rest)]
    else:
        return None
    for base in bases:
        for cand in (base, *(base + e for e in _EXTS), *(f"{base}/index{e}" for e in _EXTS)):
            if cand in project.files and cand.endswith(_EXTS):
                return cand
    return None


def _module_paths(rel: str, tokens: list[Token]) -> PathList | None:
    paths = tuple(
        (t.value, t.line)
        for i, t in enumerate(tokens)
        if t.kind is Kind.STRING
        and t.value.startswith("/")
        and path_pattern(t.value) is not None
        and not (
            i and tokens[i - 1].kind is Kind.IDENT and tokens[i - 1].value in ("from", "import")
        )
    )
    return PathList(rel, paths[0][1], "", ListKind.LIST, paths) if paths else None


def middleware_files(project: Project, app: NextApp) -> tuple[MiddlewareFile, ...]:
    out: list[MiddlewareFile] = []
    for rel in app.middleware:
        text = project.read_text(rel)
        if text is None:
            continue
        tokens = tokenize(text)
        imported: list[tuple[str, str]] = []
        modules: list[PathList] = []
        for spec, _line in import_specifiers(tokens):
            target = _resolve(project, app, rel, spec)
            if target is None:
                continue
            imported.append((spec, target))
            module_text = project.read_text(target)
            if module_text is not None:
                found = _module_paths(target, tokenize(module_text))
                if found is not None:
                    modules.append(found)
        out.append(
            MiddlewareFile(rel, tuple(inline_lists(rel, tokens)), tuple(imported), tuple(modules))
        )
    return tuple(out)
