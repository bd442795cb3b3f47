"""Import name -> the distributions that provide it, decided by the commit alone.

Resolution order, the same in any virtualenv (the environment running pytest is never asked):

1. the project's ``[tool.kabul] import-map`` (longest dotted prefix);
2. the distributions the project knows -- declared ones and the app's lockfile -- matched by the
   dotted name of a namespace package (``opentelemetry.exporter.otlp.proto.grpc`` ->
   ``opentelemetry-exporter-otlp-proto-grpc``, longest prefix first);
3. the curated table in :mod:`known_names` (renames, forks, namespace parts; longest prefix);
4. declared or locked names with their common affixes removed (``python-``, ``py``, ``-py``,
   ``-python``, ``-api``, ``-sdk``, ``-client``, ``-slim``, ``-binary``, trailing digits):
   ``pyhumps`` provides ``humps``, ``opensearch-py`` provides ``opensearchpy``;
5. the PEP 503 normalisation of the import name.

A name that only *resembles* a declared distribution (``strands`` and ``strands-agents``) is
ambiguous: the check asks for an ``import-map`` entry instead of failing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from pytest_kabul.project.python.known_names import KNOWN
from pytest_kabul.project.python.stdlib import stdlib_names

# Frameworks whose documented public API is another distribution: code is *meant* to import
# these directly (FastAPI's docs import pydantic and starlette), so declaring the framework
# declares them. Anything else that only arrives transitively is a KAB101 warning.
GUARANTEED: dict[str, tuple[str, ...]] = {
    "fastapi": ("starlette", "pydantic"),
    "fastapi-slim": ("starlette", "pydantic"),
    "pydantic-settings": ("pydantic",),
    "sqlmodel": ("sqlalchemy", "pydantic"),
    "flask": ("werkzeug", "jinja2", "click", "itsdangerous"),
    "celery": ("kombu",),
    "django-rest-framework": ("django",),
    "djangorestframework": ("django",),
    "litestar": ("msgspec",),
    "typer": ("click",),
}


def guaranteed_by(installed: Iterable[str]) -> dict[str, str]:
    """Distributions a framework in ``installed`` guarantees → that framework."""
    out: dict[str, str] = {}
    for name in sorted(installed):
        for dep in GUARANTEED.get(name, ()):
            out.setdefault(dep, name)
    return out


# Top-level names that are namespace packages shared by many distributions.
NAMESPACES = frozenset(
    {
        "google",
        "azure",
        "zope",
        "jaraco",
        "backports",
        "ruamel",
        "sphinxcontrib",
        "opentelemetry",
        "llama_index",
        "snowflake",
        "databricks",
        "alibabacloud",
    }
)


def is_stdlib(module: str, versions: tuple[tuple[int, int], ...] = ()) -> bool:
    """Standard library in one of ``versions`` (any 3.9-3.15 when empty): data, not sys."""
    return module.split(".", 1)[0] in stdlib_names(versions)


def _longest(table: Mapping[str, tuple[str, ...]], parts: list[str]) -> tuple[str, ...] | None:
    """The entry for the longest dotted prefix (``x_v1`` also tries ``x``)."""
    for depth in range(len(parts), 0, -1):
        dotted = ".".join(parts[:depth])
        found = table.get(dotted) or table.get(_strip_version(dotted))
        if found:
            return found
    return None


def is_curated(module: str) -> bool:
    """True when the table (or a namespace package rule) names the distribution."""
    parts = module.split(".")
    if parts[0] in NAMESPACES and len(parts) > 1:
        return True
    return _longest(KNOWN, parts) is not None


def _squash(name: str) -> str:
    return canonicalize_name(name).replace("-", "")


PREFIXES = ("python-", "py-", "py")
SUFFIXES = ("-python", "-py", "-api", "-sdk", "-client", "-slim", "-binary", "-headless", "-lite")


@functools.lru_cache(maxsize=8192)
def import_names(dist: str) -> frozenset[str]:
    """Top-level import names a distribution plausibly provides, from its name and affixes."""
    stems: set[str] = {str(canonicalize_name(dist))}
    for _ in range(3):
        for stem in list(stems):
            for prefix in PREFIXES:
                if stem.startswith(prefix) and len(stem) > len(prefix) + 1:
                    stems.add(stem[len(prefix) :].lstrip("-"))
            for suffix in SUFFIXES:
                if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
                    stems.add(stem[: -len(suffix)])
            trimmed = stem.rstrip("0123456789").rstrip("-")
            if trimmed and trimmed != stem and len(trimmed) > 1:
                stems.add(trimmed)
    return frozenset(s.replace("-", "_") for s in stems) | frozenset(_squash(s) for s in stems)


@dataclass(frozen=True)
class Resolution:
    candidates: tuple[str, ...]  # canonical distributions, the first is the one to suggest
    how: str  # import-map / known / table / affix / name
    plausible: tuple[str, ...] = ()  # known distributions the name only resembles


def _import_map_hit(
    import_map: Mapping[str, tuple[str, ...]], parts: list[str]
) -> tuple[str, ...] | None:
    return _longest(import_map, parts) if import_map else None


def resolve(
    module: str,
    known: Iterable[str] = (),
    import_map: Mapping[str, tuple[str, ...]] | None = None,
) -> Resolution:
    """Resolve a dotted import name; ``known`` are the declared and locked distributions."""
    parts = module.split(".")
    mapped = _import_map_hit(import_map or {}, parts)
    if mapped:
        return Resolution(tuple(canonicalize_name(d) for d in mapped), "import-map")
    known_set = known if isinstance(known, frozenset) else frozenset(known)
    squashed, affixes = _index(known_set)
    top = parts[0]
    if len(parts) > 1:
        for depth in range(len(parts), 1, -1):
            joined = "-".join(parts[:depth])
            hit = squashed.get(_squash(joined)) or squashed.get(_squash(_strip_version(joined)))
            if hit is not None:
                return Resolution((hit, *_fallback(parts)), "known")
    table = _longest(KNOWN, parts)
    if table:
        return Resolution(table, "table")
    if top not in NAMESPACES:
        by_affix = sorted(set(affixes.get(top, ())) | set(affixes.get(_squash(top), ())))
        if by_affix:
            return Resolution(tuple(dict.fromkeys((*by_affix, canonicalize_name(top)))), "affix")
    cands = _fallback(parts)
    plausible = _plausible(parts, known_set, cands)
    return Resolution(cands, "name", plausible)


@functools.lru_cache(maxsize=64)
def _index(known: frozenset[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Per set of known distributions: squashed name -> name, import name -> names."""
    squashed = {_squash(k): k for k in sorted(known)}
    affixes: dict[str, list[str]] = {}
    for k in sorted(known):
        for name in import_names(k):
            affixes.setdefault(name, []).append(k)
    return squashed, {k: tuple(v) for k, v in affixes.items()}


def _strip_version(joined: str) -> str:
    """``google-cloud-aiplatform_v1beta1`` -> ``google-cloud-aiplatform``."""
    head, sep, tail = joined.rpartition("_v")
    return head if sep and tail[:1].isdigit() and "." not in tail else joined


def _fallback(parts: list[str]) -> tuple[str, ...]:
    if parts[0] in NAMESPACES and len(parts) > 1:
        return tuple(
            dict.fromkeys(
                canonicalize_name(_strip_version("-".join(parts[:depth])))
                for depth in range(min(len(parts), 3), 1, -1)
            )
        )
    return (canonicalize_name(parts[0]),)


def _plausible(parts: list[str], known: frozenset[str], cands: tuple[str, ...]) -> tuple[str, ...]:
    """Known distributions the import only resembles (first word, or a longer squashed name)."""
    if parts[0] in NAMESPACES and len(parts) > 1:
        prefix = canonicalize_name("-".join(parts[:2])) + "-"
        return tuple(sorted(k for k in known if k.startswith(prefix) and k not in cands))
    top = _squash(parts[0])
    if len(top) < 3:
        return ()
    return tuple(
        sorted(
            k
            for k in known
            if k not in cands
            and (k.split("-", 1)[0].replace("_", "") == top or _squash(k).startswith(top))
        )
    )


def candidates(module: str, *, environment: bool = False) -> tuple[str, ...]:
    """Canonical distributions that may provide ``module`` (no project knowledge)."""
    del environment  # kept for callers; the running environment is never consulted
    return resolve(module).candidates


def targets_of(module: str, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The dotted names to resolve for one import statement.

    ``from google.cloud import storage, bigquery`` loads two distributions; ``from PIL import
    Image`` or ``from fastapi import FastAPI`` loads one, named by the module.
    """
    if module.split(".", 1)[0] in NAMESPACES and names:
        return tuple(f"{module}.{n}" for n in names if n != "*") or (module,)
    return (module,)
