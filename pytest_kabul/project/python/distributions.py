"""Import name → the distributions that provide it.

Three sources, in order: a curated table of well-known mismatches (including distributions that
were renamed or forked over time: any ONE of the candidates declared satisfies the import), the
running environment's ``importlib.metadata.packages_distributions()``, and finally the PEP 503
normalisation of the import name. Namespace packages (``google.cloud.storage``,
``azure.storage.blob``) normalise their dotted name (``google-cloud-storage``).

``requires_closure`` follows ``importlib.metadata.requires()`` of installed distributions so an
import that a declared distribution pulls in transitively can be told apart from a missing one.
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import sys
from collections.abc import Callable, Iterable

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# import name (dotted allowed) -> candidate distributions, preferred first (PEP 503 names).
KNOWN: dict[str, tuple[str, ...]] = {
    "PIL": ("pillow", "pil"),
    "yaml": ("pyyaml",),
    "jose": ("python-jose", "python-jose-cryptodome"),
    "jwt": ("pyjwt",),
    "dateutil": ("python-dateutil",),
    "sklearn": ("scikit-learn", "sklearn"),
    "skimage": ("scikit-image",),
    "google.protobuf": ("protobuf",),
    "google.auth": ("google-auth",),
    "google.oauth2": ("google-auth",),
    "google.api_core": ("google-api-core",),
    "google.genai": ("google-genai",),
    "google.generativeai": ("google-generativeai",),
    "googleapiclient": ("google-api-python-client",),
    "google.cloud.storage": ("google-cloud-storage",),
    "dotenv": ("python-dotenv",),
    "magic": ("python-magic", "python-magic-bin", "file-magic"),
    "cv2": (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
    ),
    "bs4": ("beautifulsoup4", "bs4"),
    "sentry_sdk": ("sentry-sdk",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "attr": ("attrs",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "multipart": ("python-multipart", "multipart"),
    "python_multipart": ("python-multipart",),
    "jinja2": ("jinja2",),
    "pkg_resources": ("setuptools",),
    "setuptools": ("setuptools",),
    "_pytest": ("pytest",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "git": ("gitpython",),
    "github": ("pygithub",),
    "gitlab": ("python-gitlab",),
    "telegram": ("python-telegram-bot",),
    "slugify": ("python-slugify", "awesome-slugify"),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "ldap": ("python-ldap",),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "MySQLdb": ("mysqlclient",),
    "zmq": ("pyzmq",),
    "nacl": ("pynacl",),
    "fitz": ("pymupdf",),
    "grpc": ("grpcio",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "mpl_toolkits": ("matplotlib",),
    "dns": ("dnspython",),
    "websocket": ("websocket-client",),
    "speech_recognition": ("speechrecognition",),
    "cairo": ("pycairo",),
    "gi": ("pygobject",),
    "kafka": ("kafka-python", "kafka-python-ng"),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "markdown": ("markdown",),
    "lxml": ("lxml",),
    "stripe": ("stripe",),
    "redis": ("redis",),
    "aioredis": ("aioredis",),
    "pydantic_settings": ("pydantic-settings",),
    "email_validator": ("email-validator",),
    "typing_extensions": ("typing-extensions",),
    "ruamel.yaml": ("ruamel-yaml",),
    "opentelemetry.trace": ("opentelemetry-api",),
    "opentelemetry.metrics": ("opentelemetry-api",),
    "opentelemetry.context": ("opentelemetry-api",),
    "opentelemetry.propagate": ("opentelemetry-api",),
    "opentelemetry.sdk": ("opentelemetry-sdk",),
    "tzlocal": ("tzlocal",),
    "pythonjsonlogger": ("python-json-logger",),
    "json_logging": ("json-logging",),
    "magic_filter": ("magic-filter",),
    "Xlib": ("python-xlib",),
    "hdbscan": ("hdbscan",),
    "umap": ("umap-learn",),
    "igraph": ("igraph", "python-igraph"),
    "snappy": ("python-snappy",),
    "ujson": ("ujson",),
    "pymysql": ("pymysql",),
    "httplib2": ("httplib2",),
    "oauth2client": ("oauth2client",),
    "jwcrypto": ("jwcrypto",),
    "factory": ("factory-boy",),
    "bson": ("pymongo",),
    "gridfs": ("pymongo",),
    "rest_framework": ("djangorestframework",),
    "corsheaders": ("django-cors-headers",),
    "environ": ("django-environ",),
    "decouple": ("python-decouple",),
    "memcache": ("python-memcached",),
    "Bio": ("biopython",),
    "wx": ("wxpython",),
    "slack": ("slackclient",),
    "vertexai": ("google-cloud-aiplatform",),
    "discord": ("discord-py",),
    "elasticapm": ("elastic-apm",),
    "cassandra": ("cassandra-driver",),
    "mysql": ("mysql-connector-python",),
    "snowflake": ("snowflake-connector-python",),
    "nats": ("nats-py",),
    "paho": ("paho-mqtt",),
    "jenkins": ("python-jenkins",),
    "consul": ("python-consul",),
    "saml2": ("pysaml2",),
    "onelogin": ("python3-saml",),
    "social_core": ("social-auth-core",),
    "argon2": ("argon2-cffi",),
    "gnupg": ("python-gnupg",),
    "barcode": ("python-barcode",),
    "icu": ("pyicu",),
    "osgeo": ("gdal",),
    "ffmpeg": ("ffmpeg-python",),
    "vlc": ("python-vlc",),
    "apiclient": ("google-api-python-client",),
    "yaml_include": ("pyyaml-include",),
    "stdnum": ("python-stdnum",),
    "editor": ("python-editor",),
    "docopt": ("docopt", "docopt-ng"),
    "sklearn_crfsuite": ("sklearn-crfsuite",),
    "pkg_about": ("pkg-about",),
}
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
    {"google", "azure", "zope", "jaraco", "backports", "ruamel", "sphinxcontrib", "opentelemetry"}
)


def is_stdlib(module: str) -> bool:
    top = module.split(".", 1)[0]
    # ``__main__`` (the running script) and ``__future__`` are the interpreter's, not packages.
    return top in sys.stdlib_module_names or top in {"__future__", "__main__"}


@functools.lru_cache(maxsize=1)
def _environment_map() -> dict[str, tuple[str, ...]]:
    try:
        raw = md.packages_distributions()
    except Exception:  # a broken installed distribution must not break the scan
        return {}
    return {k: tuple(sorted({canonicalize_name(d) for d in v})) for k, v in raw.items()}


def is_curated(module: str) -> bool:
    """True when the table (or a namespace package rule) names the distribution."""
    parts = module.split(".")
    if parts[0] in NAMESPACES and len(parts) > 1:
        return True
    return any(".".join(parts[:depth]) in KNOWN for depth in range(len(parts), 0, -1))


def candidates(module: str, *, environment: bool = True) -> tuple[str, ...]:
    """Canonical distributions that may provide ``module``; the first is the one to suggest."""
    parts = module.split(".")
    out: list[str] = []
    for depth in range(len(parts), 0, -1):
        known = KNOWN.get(".".join(parts[:depth]))
        if known:
            out.extend(known)
            break
    top = parts[0]
    if top in NAMESPACES and len(parts) > 1:
        for depth in range(min(len(parts), 3), 1, -1):
            out.append(canonicalize_name("-".join(parts[:depth])))
    if environment and top not in NAMESPACES:
        out.extend(_environment_map().get(top, ()))
    out.append(canonicalize_name(top))
    return tuple(dict.fromkeys(out))


def targets_of(module: str, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The dotted names to resolve for one import statement.

    ``from google.cloud import storage, bigquery`` loads two distributions; ``from PIL import
    Image`` or ``from fastapi import FastAPI`` loads one, named by the module.
    """
    if module.split(".", 1)[0] in NAMESPACES and names:
        return tuple(f"{module}.{n}" for n in names if n != "*") or (module,)
    return (module,)


@functools.lru_cache(maxsize=4096)
def installed_requires(dist: str) -> tuple[str, ...] | None:
    """Requirement strings of an installed distribution, or None when it is not installed."""
    try:
        return tuple(md.requires(dist) or ())
    except md.PackageNotFoundError:
        return None
    except Exception:
        return None


RequiresLookup = Callable[[str], "tuple[str, ...] | None"]


def requires_closure(
    roots: Iterable[tuple[str, tuple[str, ...]]], lookup: RequiresLookup = installed_requires
) -> dict[str, str]:
    """Every distribution pulled in by ``roots`` ((name, extras) pairs) → the root that pulls it.

    Only installed metadata is followed; markers are evaluated with the requested extras.
    """
    via: dict[str, str] = {}
    queue: list[tuple[str, tuple[str, ...], str]] = [(n, e, n) for n, e in sorted(roots)]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while queue:
        name, extras, root = queue.pop(0)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for text in lookup(name) or ():
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is not None and not _marker_ok(req.marker, extras):
                continue
            dep = canonicalize_name(req.name)
            via.setdefault(dep, root)
            queue.append((dep, tuple(sorted(req.extras)), root))
    return via


def _marker_ok(marker: Marker, extras: tuple[str, ...]) -> bool:
    try:
        return any(marker.evaluate({"extra": e}) for e in (*extras, ""))
    except Exception:
        return False
