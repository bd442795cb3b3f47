"""Environment writes of an app and what they mean for the reads (for KAB201).

- ``setdefault`` gives a variable a default: a later read of it is still configuration, and the
  default is evidence for that read (``defaults_of``).
- ``os.environ[X] = …``, ``putenv``, ``update`` and ``pop``/``del`` in the same function as a read
  of ``X`` are a save/restore around a call (a credential swapped per request): that read is not
  configuration (``save_restore``).
- A variable the app itself sets for its child processes — ``os.environ[X] = …`` anywhere in the
  app, or a key of an environment mapping it builds (``env["X"] = …``, ``{"X": …}`` right after a
  line opening a mapping named ``*env*``) — is a private hand-off between the app's own processes
  (``handoff_sites``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.settings.envreads import EnvRead
from pytest_kabul.project.python.settings.readsites import ReadKind

SETTERS = frozenset({ReadKind.ENVIRON_SET, ReadKind.PUTENV, ReadKind.UPDATE})
_NAME = r"[\"']([A-Z][A-Z0-9_]{2,})[\"']"
_STORE_RE = re.compile(r"\b\w*env\w*\s*\[\s*" + _NAME + r"\s*\]\s*=(?!=)", re.IGNORECASE)
_KEY_RE = re.compile(r"^\s*\**\(?\{?\s*" + _NAME + r"\s*:")
# a line opening an environment mapping: ``env = {``, ``sub_env: dict[..] = {``, ``env.update(``
_ENV_RE = re.compile(
    r"\b\w*env\w*(\s*:[^=]*)?\s*=\s*(\{|dict\()|\b\w*env\w*\.update\(", re.IGNORECASE
)


def defaults_of(reads: Iterable[EnvRead]) -> dict[tuple[str, str], list[EnvRead]]:
    """(app, variable) -> the ``setdefault`` sites giving it a default."""
    out: dict[tuple[str, str], list[EnvRead]] = defaultdict(list)
    for read in reads:
        if read.kind is ReadKind.SETDEFAULT and not read.test_code:
            for name in read.names:
                out[(read.app, name)].append(read)
    return out


def save_restore(reads: Iterable[EnvRead]) -> set[tuple[str, str | None, str]]:
    """(path, function, variable) where the code also sets or removes the variable."""
    return {
        (r.path, r.function, name)
        for r in reads
        if r.is_write and r.kind is not ReadKind.SETDEFAULT
        for name in r.names
    }


def handoff_sites(project: Project, app: PythonApp, reads: Iterable[EnvRead]) -> dict[str, str]:
    """Variables the app sets for its own child processes -> the first place it does."""
    out: dict[str, str] = {}
    for read in sorted(reads):
        if read.kind in SETTERS and not read.test_code:
            for name in read.names:
                out.setdefault(name, read.location)
    for rel in app.runtime_files:
        text = project.read_text(rel)
        if not text or "env" not in text.lower():
            continue
        last_env = -100
        for number, line in enumerate(text.splitlines(), start=1):
            # Characters each pattern needs, tested first: most lines have none of them.
            if "[" in line and "=" in line:
                for m in _STORE_RE.finditer(line):
                    out.setdefault(m.group(1), f"{rel}:{number}")
            if number - last_env <= 12 and (key := _KEY_RE.match(line)):
                out.setdefault(key.group(1), f"{rel}:{number}")
            if ("{" in line or "(" in line) and _ENV_RE.search(line):
                last_env = number
    return out
