"""Next.js route trees (app/ and pages/) and the path patterns middleware/proxy files write.

Routes are segment tuples: static names, ``[id]`` (one segment), ``[...x]`` (one or more),
``[[...x]]`` (zero or more). Route groups ``(x)``, parallel slots ``@x`` and private folders
``_x`` do not appear in URLs; intercepting folders ``(.)x``, ``(..)x``, ``(...)x`` are resolved to
the URL they intercept. A middleware path such as ``/blog/:slug*`` or ``/admin`` is a pattern; it
is *live* when some concrete URL both matches it (or lies under it, as lists are usually tested
with ``startsWith``) and is served by a route, a ``public/`` file or Next itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

PAGE_EXTS = (".js", ".jsx", ".ts", ".tsx", ".md", ".mdx")
_APP_ROUTE_FILES = re.compile(r"^(?:page\.(?:jsx?|tsx?|mdx?)|route\.(?:[mc]?js|tsx?))$")
_METADATA = re.compile(
    r"^(favicon\.ico|(?:icon|apple-icon|opengraph-image|twitter-image)\d*\.\w+|"
    r"robots\.(?:txt|js|ts)|sitemap\.(?:xml|js|ts)|manifest\.(?:json|webmanifest|js|ts))$"
)
_METADATA_URL = {
    "robots": "robots.txt",
    "sitemap": "sitemap.xml",
    "manifest": "manifest.webmanifest",
}
# Paths Next serves itself, whatever the app contains.
NEXT_INTERNAL = ("_next", "__nextjs_original-stack-frame", "_vercel", "__next")
ONE, ANY0, ANY1 = "\0one", "\0any0", "\0any1"


@dataclass(frozen=True, order=True)
class Route:
    segments: tuple[str, ...]  # normalised: names, ONE, ANY0, ANY1
    file: str  # project-relative file that defines it

    @property
    def url(self) -> str:
        names = {ONE: "[param]", ANY0: "[[...rest]]", ANY1: "[...rest]"}
        return "/" + "/".join(names.get(s, s) for s in self.segments)


def _segment(name: str) -> str | None:
    """URL segment of a folder name; None when the folder does not appear in URLs."""
    if name.startswith("[[...") and name.endswith("]]"):
        return ANY0
    if name.startswith("[...") and name.endswith("]"):
        return ANY1
    if name.startswith("[") and name.endswith("]"):
        return ONE
    if (name.startswith("(") and name.endswith(")")) or name.startswith("@"):
        return None
    return name


def _intercept(parts: list[str], name: str) -> tuple[list[str], str] | None:
    """``(..)(..)photo`` -> (URL parts after climbing, "photo"); None if not intercepting."""
    m = re.match(r"^((?:\(\.\.\.\)|\(\.\.\)|\(\.\))+)(.+)$", name)
    if not m:
        return None
    prefix, rest = m.groups()
    if "(...)" in prefix:
        return [], rest
    ups = prefix.count("(..)")
    return (parts[: len(parts) - ups] if ups else parts), rest


def app_route(rel_in_app: str) -> tuple[str, ...] | None:
    """Segments of a file under ``app/`` that defines a URL (page, route handler, metadata)."""
    *dirs, filename = rel_in_app.split("/")
    metadata = _METADATA.match(filename)
    if not _APP_ROUTE_FILES.match(filename) and not metadata:
        return None
    parts: list[str] = []
    for name in dirs:
        if name.startswith("_"):
            return None  # private folder: opted out of routing
        intercepted = _intercept(parts, name)
        if intercepted is not None:
            parts, name = intercepted
        seg = _segment(name)
        if seg is not None:
            parts.append(seg)
    if metadata:
        stem = filename.split(".", 1)[0]
        parts.append(_METADATA_URL.get(stem, filename if "." in filename else stem))
    return tuple(parts)


def pages_route(rel_in_pages: str) -> tuple[str, ...] | None:
    if not rel_in_pages.endswith(PAGE_EXTS):
        return None
    stem = rel_in_pages.rsplit(".", 1)[0]
    parts = stem.split("/")
    if len(parts) == 1 and parts[0].startswith("_"):
        return None  # _app, _document, _error
    if parts[-1] == "index":
        parts = parts[:-1]
    segs = [_segment(p) or p for p in parts]
    return tuple(segs)


_PARAM_RE = re.compile(r"^:(\w+)([*+?]?)$")


def path_pattern(path: str) -> tuple[str, ...] | None:
    """Segments of a middleware path (``/blog/:slug*``); None when it is not a plain path.

    Regex-style matchers (``/((?!api|_next).*)``) are exclusions, not route lists: None.
    """
    path = path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or any(c in path for c in "()\\^$|{}"):
        return None
    segs: list[str] = []
    for part in path.strip("/").split("/"):
        if not part:
            continue
        m = _PARAM_RE.match(part)
        if m:
            segs.append({"*": ANY0, "+": ANY1, "?": ANY0}.get(m.group(2), ONE))
        elif part in ("*", "**"):
            segs.append(ANY0)
        elif "*" in part or ":" in part:
            return None
        else:
            segs.append(part)
    return tuple(segs)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether some concrete URL matches both segment patterns."""

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        if x == ANY0 and go(i + 1, j):
            return True
        if y == ANY0 and go(i, j + 1):
            return True
        if x is None or y is None:
            return False
        if x in (ANY0, ANY1) and (go(i, j + 1) or go(i + 1, j + 1)):
            return True
        if y in (ANY0, ANY1) and (go(i + 1, j) or go(i + 1, j + 1)):
            return True
        if x in (ANY0, ANY1) or y in (ANY0, ANY1):
            return False
        return (x == y or ONE in (x, y)) and go(i + 1, j + 1)

    return go(0, 0)


def is_live(
    pattern: tuple[str, ...],
    routes: tuple[tuple[str, ...], ...],
    public: frozenset[str],
    *,
    prefix: bool = False,
) -> bool:
    """The pattern (or anything under it) reaches a route, a public file or a Next internal.

    ``public`` holds every file and folder under ``public/`` as ``a/b/c.png`` (folders too).
    With ``prefix`` (the path is tested with ``startsWith``) the last segment is a string
    prefix: ``/favicon`` reaches ``public/favicon.ico`` and a ``/favicon-32x32.png`` route.
    """
    if pattern and pattern[0] in NEXT_INTERNAL:
        return True
    if "/".join(pattern) in public:
        return True
    under = (*pattern, ANY0) if not pattern or pattern[-1] != ANY0 else pattern
    if any(_overlap(under, route) for route in routes):
        return True
    if not prefix or not pattern or pattern[-1] in (ONE, ANY0, ANY1):
        return False
    joined = "/".join(pattern)
    if any(p.startswith(joined) for p in public):
        return True
    head, last = pattern[:-1], pattern[-1]
    return any(
        len(route) > len(head)
        and _overlap(head, route[: len(head)])
        and (route[len(head)] in (ONE, ANY0, ANY1) or route[len(head)].startswith(last))
        for route in routes
    )
