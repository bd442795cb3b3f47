"""The paths a Next.js ``middleware.ts`` / ``proxy.ts`` (Next 16) writes or imports.

Inline route lists are string arrays holding URL paths (``const publicPaths = ['/login']``), a
``config.matcher`` listing concrete paths (a single regex exclusion such as
``'/((?!_next/static|favicon.ico).*)'`` is not a route list), and path comparisons
(``pathname === '/login'``, ``pathname.startsWith('/auth')``). Paths in local modules the file
imports (``@/lib/routes``, ``./routes``) are collected too, so KAB702 can judge centralised
lists as well -- but only from the names the middleware uses in its path logic (a comparison, a
``.some``/``.includes`` test, a redirect, a helper called with the path): a constant file of
backend API paths that the middleware only interpolates into ``fetch()`` URLs is not a list of
page routes. A list tested with ``startsWith`` is a list of *prefixes* (``/favicon`` matches
``public/favicon.ico``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pytest_kabul.project.core import Project
from pytest_kabul.project.node.jsparse import (
    ImportBinding,
    Kind,
    Token,
    import_bindings,
    import_specifiers,
    string_arrays,
    tokenize,
)
from pytest_kabul.project.node.nextjs import NextApp
from pytest_kabul.project.node.routes import path_pattern

_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts")
_COMPARE_BEFORE = frozenset({"===", "==", "!==", "!=", "case"})
_COMPARE_CALLS = frozenset({"startsWith", "endsWith", "includes", "match", "test"})
_ITERATE = frozenset({"some", "every", "find", "findIndex", "filter", "forEach", "map"})
# A name used only inside the arguments of these calls builds a request URL, not a route list.
_REQUEST_CALLS = frozenset(
    {"fetch", "axios", "ky", "ofetch", "$fetch", "request", "get", "post", "put", "patch"}
)


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
    prefix: bool = False  # tested with startsWith: a path is live when something starts with it


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
            prefix = kind is ListKind.LIST and _tested_as_prefix(tokens, arr.name)
            found.append(PathList(rel, arr.line, arr.name, kind, paths, prefix))
    compares: list[tuple[str, int]] = []
    prefixes: list[tuple[str, int]] = []
    for idx, tok in enumerate(tokens):
        if tok.kind is not Kind.STRING or path_pattern(tok.value) is None:
            continue
        role = _role(tokens, idx)
        if role == "matcher":
            item = ((tok.value, tok.line),)
            found.append(PathList(rel, tok.line, "matcher", ListKind.MATCHER, item))
        elif role == "compare" and _value(tokens, idx - 2) == "startsWith":
            prefixes.append((tok.value, tok.line))
        elif role == "compare":
            compares.append((tok.value, tok.line))
    if compares:
        found.append(PathList(rel, compares[0][1], "", ListKind.COMPARISON, tuple(compares)))
    if prefixes:
        found.append(
            PathList(rel, prefixes[0][1], "", ListKind.COMPARISON, tuple(prefixes), prefix=True)
        )
    return sorted(found, key=lambda p: (p.line, p.kind.value, p.prefix))


def _uses(tokens: list[Token], name: str, skip: range = range(0)) -> list[int]:
    """Token indexes where ``name`` is read (not a property ``x.name``, not its declaration)."""
    return [
        i
        for i, t in enumerate(tokens)
        if t.kind is Kind.IDENT
        and t.value == name
        and i not in skip
        and _value(tokens, i - 1) not in (".", "?.", "const", "let", "var", "function")
    ]


def _tested_as_prefix(tokens: list[Token], name: str) -> bool:
    """``NAME.some((p) => pathname.startsWith(p))`` / ``startsWith(NAME…)``."""
    if not name:
        return False
    for i in _uses(tokens, name):
        if _value(tokens, i - 1) == "(" and _value(tokens, i - 2) == "startsWith":
            return True
        if _value(tokens, i + 1) == "." and _value(tokens, i + 2) in _ITERATE:
            window = [t.value for t in tokens[i + 3 : i + 40]]
            if "startsWith" in window[: window.index(")") + 8 if ")" in window else 40]:
                return True
    return False


def _in_request_call(tokens: list[Token], idx: int) -> bool:
    """The token sits inside the arguments of ``fetch(...)`` / ``axios.get(...)`` and alike."""
    depth = 0
    for j in range(idx - 1, max(idx - 200, -1), -1):
        value = tokens[j].value
        if value in (")", "]", "}"):
            depth += 1
        elif value in ("(", "[", "{"):
            if depth == 0:
                if value == "(" and _value(tokens, j - 1) in _REQUEST_CALLS:
                    return True
                if value != "(":
                    return False
            else:
                depth -= 1
        elif value == ";" and depth == 0:
            return False
    return False


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


def _is_path(tokens: list[Token], i: int) -> bool:
    t = tokens[i]
    return (
        t.kind is Kind.STRING
        and t.value.startswith("/")
        and path_pattern(t.value) is not None
        and not (
            i and tokens[i - 1].kind is Kind.IDENT and tokens[i - 1].value in ("from", "import")
        )
    )


def _module_paths(
    rel: str, tokens: list[Token], names: set[str] | None = None, *, prefix: bool = False
) -> PathList | None:
    """Path literals of a module: all of them, or those of the top-level ``names`` (and what
    their definitions use of the same module, transitively)."""
    picked: list[int] = list(range(len(tokens)))
    spans = _definitions(tokens) if names is not None else {}
    if names is not None and all(n in spans for n in names):
        # only the named definitions, and what they use of the same module, transitively
        todo = sorted(names)
        seen: set[str] = set()
        chosen: set[int] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            chosen.update(spans[name])
            todo.extend(
                tokens[j].value
                for j in spans[name]
                if tokens[j].kind is Kind.IDENT
                and tokens[j].value in spans
                and _value(tokens, j - 1) not in (".", "?.")
            )
        picked = sorted(chosen)
    paths = tuple((tokens[i].value, tokens[i].line) for i in picked if _is_path(tokens, i))
    return PathList(rel, paths[0][1], "", ListKind.LIST, paths, prefix) if paths else None


_DECLARE = frozenset({"const", "let", "var", "function", "class"})
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


def _definitions(tokens: list[Token]) -> dict[str, range]:
    """Top-level ``const NAME = …`` / ``function NAME(…) {…}``: token ranges of each."""
    spans: dict[str, range] = {}
    depth = 0
    i = 0
    while i < len(tokens):
        value = tokens[i].value
        if value in _OPEN:
            depth += 1
        elif value in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and value in _DECLARE and tokens[i].kind is Kind.IDENT:
            j = i + 1
            if _value(tokens, j) == "*":
                j += 1
            if j < len(tokens) and tokens[j].kind is Kind.IDENT:
                end = _statement_end(tokens, j + 1, function=value in ("function", "class"))
                spans.setdefault(tokens[j].value, range(j + 1, end))
                i = end
                continue
        i += 1
    return spans


def _statement_end(tokens: list[Token], start: int, *, function: bool) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        value = tokens[j].value
        if value in _OPEN:
            depth += 1
        elif value in _CLOSE:
            depth -= 1
            if depth == 0 and function and value == "}":
                return j + 1
            if depth < 0:
                return j
        elif depth == 0 and (
            value == ";"
            or (value in ("export", *_DECLARE) and tokens[j].kind is Kind.IDENT and j > start)
        ):
            return j
    return len(tokens)


def _used_names(tokens: list[Token], binding: ImportBinding) -> set[str] | None:
    """Which names of the imported module the middleware uses in its path logic.

    None: judge the whole module (a default import, or a name never read by a token -- an
    unused import keeps the old, conservative reading). An empty set: the module only feeds
    request URLs (``fetch(`${API}${ENDPOINTS.X}`)``), so it holds no page routes."""
    statement = range(binding.start, binding.end + 1)
    uses = _uses(tokens, binding.local, statement)
    in_templates = any(t.kind is Kind.TEMPLATE and binding.local in t.value for t in tokens)
    if not uses:
        return set() if in_templates else None
    logic = [i for i in uses if not _in_request_call(tokens, i)]
    if not logic:
        return set()
    if binding.imported == "default":
        return None
    if binding.imported == "*":
        members = {
            tokens[i + 2].value
            for i in logic
            if _value(tokens, i + 1) in (".", "?.") and i + 2 < len(tokens)
        }
        return members or None
    return {binding.imported}


def middleware_files(project: Project, app: NextApp) -> tuple[MiddlewareFile, ...]:
    out: list[MiddlewareFile] = []
    for rel in app.middleware:
        text = project.read_text(rel)
        if text is None:
            continue
        tokens = tokenize(text)
        bindings = import_bindings(tokens)
        imported: list[tuple[str, str]] = []
        modules: list[PathList] = []
        for spec, _line in import_specifiers(tokens):
            target = _resolve(project, app, rel, spec)
            if target is None or any(t == target for _s, t in imported):
                continue
            imported.append((spec, target))
            module_text = project.read_text(target)
            if module_text is None:
                continue
            own = [b for b in bindings if b.specifier == spec]
            names: set[str] | None = set() if own else None
            for binding in own:
                used = _used_names(tokens, binding)
                names = None if used is None or names is None else names | used
            if names is not None and not names:
                continue  # only request URLs are built from it
            prefix = any(_tested_as_prefix(tokens, b.local) for b in own)
            found = _module_paths(target, tokenize(module_text), names, prefix=prefix)
            if found is not None:
                modules.append(found)
        out.append(
            MiddlewareFile(rel, tuple(inline_lists(rel, tokens)), tuple(imported), tuple(modules))
        )
    return tuple(out)
