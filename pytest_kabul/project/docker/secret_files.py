"""Local secret files an image build would copy: ``.env``, private keys, cloud credentials.

``secret_kind(name)`` says whether a file name is a local secret (``.env``/``.env.production``/
``prod.env``, ``*.pem``/``*.key``/``*.p12``, ``id_rsa``/``id_ed25519``, ``credentials.json``,
``client_secret*.json``, ``service-account*.json``, ``*firebase-adminsdk*.json``); templates
(``.env.example``, ``.env.sample``, ``.env.template`` …) are not. ``secret_files_on_disk`` lists
the ones present under a folder of the project (the file index skips git-ignored files, so this
looks at the folders the index knows, on disk, without reading any file). ``gitignored_secrets``
gives the secret names each ``.gitignore`` lists (what the developer keeps locally) and
``env_file_expected`` the folders where a ``.env`` is expected (a template next to it, a compose
``env_file:``, a settings class or ``load_dotenv`` reading ``.env``).
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.files import SKIP_DIRS

_TEMPLATE = re.compile(
    r"(example|sample|template|dist|defaults?|tpl|schema|placeholder|ci|test|tests|testing|"
    r"dev|development|local\.example|docker\.example)$|(^|[._-])(example|sample|template)([._-]|$)",
    re.IGNORECASE,
)
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx")
_SSH_KEYS = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
_JSON_CREDENTIALS = (
    "credentials.json",
    "client_secret*.json",
    "service-account*.json",
    "service_account*.json",
    "serviceaccount*.json",
    "*firebase-adminsdk*.json",
    "gcp-key*.json",
    "gcloud-key*.json",
)
# Names tried against a .gitignore pattern: what a developer keeps locally.
PROBES = (".env", ".env.production", ".env.prod", "credentials.json", "service-account.json")


def secret_kind(name: str) -> str | None:
    """The kind of local secret a file name is, or None (templates and public keys are not)."""
    low = name.lower()
    if low == ".env" or low.startswith(".env."):
        rest = low[5:]
        return None if rest and _TEMPLATE.search(rest) else "environment file"
    if low.endswith(".env") and len(low) > 4:
        return None if _TEMPLATE.search(low[:-4]) else "environment file"
    if low in _SSH_KEYS:
        return "SSH private key"
    if low.endswith(_KEY_SUFFIXES) and not _TEMPLATE.search(low.rsplit(".", 1)[0]):
        if low.endswith((".pub.pem", "cert.pem", "chain.pem", "fullchain.pem", "ca.pem")):
            return None
        return "private key or certificate bundle"
    if low.endswith(".json") and any(fnmatch.fnmatch(low, p) for p in _JSON_CREDENTIALS):
        return "cloud credentials"
    return None


@facet
def _secret_names(project: Project) -> tuple[tuple[str, str], ...]:
    """``(path, kind)`` of every secret-named file in the folders the index knows, on disk."""
    folders = {""}
    for rel in project.files:
        parts = rel.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folders.add("/".join(parts[:depth]))
    out: list[tuple[str, str]] = []
    for folder in sorted(folders):
        if SKIP_DIRS.intersection(folder.split("/")):
            continue
        try:
            with os.scandir(project.root / folder if folder else project.root) as entries:
                names = [e.name for e in entries if e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for name in names:
            kind = secret_kind(name)
            if kind is not None:
                out.append((f"{folder}/{name}" if folder else name, kind))
    return tuple(sorted(out))


def secret_files_on_disk(project: Project, top: str) -> list[tuple[str, str]]:
    """``(path, kind)`` of every secret-named file under ``top`` (names only, never read)."""
    prefix = top + "/" if top else ""
    return [(rel, kind) for rel, kind in _secret_names(project) if rel.startswith(prefix)]


@dataclass(frozen=True, order=True)
class IgnoredSecret:
    gitignore: str  # the .gitignore's path
    line: int
    pattern: str
    probe: str  # the secret name it matches (".env")
    anchored_dir: str | None  # the folder an anchored pattern names ("" = the .gitignore's)


@facet
def gitignored_secrets(project: Project) -> tuple[IgnoredSecret, ...]:
    out: list[IgnoredSecret] = []
    for rel in project.files:
        if rel.rsplit("/", 1)[-1] != ".gitignore":
            continue
        base = rel.rsplit("/", 1)[0] if "/" in rel else ""
        for number, raw in enumerate((project.read_text(rel) or "").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith(("#", "!")):
                continue
            pattern = line.rstrip("/")
            head, _, name = pattern.lstrip("/").rpartition("/")
            anchored = "/" in pattern.lstrip("/") or pattern.startswith("/")
            if "**" in head:
                anchored = False
            for probe in PROBES:
                if fnmatch.fnmatchcase(probe, name) and secret_kind(probe):
                    folder = "/".join(p for p in (base, head) if p) if anchored else None
                    out.append(IgnoredSecret(rel, number, pattern, probe, folder))
                    break
    return tuple(sorted(out))


_DOTENV = re.compile(r"load_dotenv\(|env_file\s*=\s*[\(\[]?\s*[\"'][^\"']*\.env[\"']")


@facet
def env_file_expected(project: Project) -> tuple[tuple[str, str, str, bool], ...]:
    """``(folder, name, why, cwd)``: a local env file ``name`` the project expects in ``folder``;
    ``cwd``: in the working directory of code under ``folder`` (``env_file=".env"``,
    ``load_dotenv()``), else exactly there (a template beside it, a compose ``env_file:``)."""
    out: set[tuple[str, str, str, bool]] = set()
    for rel in project.files:
        folder, _, name = rel.rpartition("/")
        low = name.lower()
        if (low.startswith(".env.") and secret_kind(name) is None) or low == "env.example":
            out.add((folder, ".env", f"{rel} is the template of a local .env", False))
        elif low.endswith(".py"):
            text = project.read_text(rel) or ""
            if ".env" in text and _DOTENV.search(text):
                out.add((folder, ".env", f"{rel} reads a .env file at start-up", True))
    from pytest_kabul.project.compose.load import compose_models

    for model in compose_models(project):
        for service in model.services.values():
            for env_file in service.env_files:
                folder, _, name = env_file.rpartition("/")
                if secret_kind(name) == "environment file":
                    why = f"{service.file} passes {env_file} to {service.name}"
                    out.add((folder, name, why, False))
    return tuple(sorted(out))
