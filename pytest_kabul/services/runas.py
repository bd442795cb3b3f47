"""Running helper binaries as an unprivileged user (``pg_ctl`` refuses to run as root)."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path


def unprivileged_user(candidates: Sequence[str] = ("postgres", "nobody")) -> str | None:
    """The user to drop to when we are root (None when we are not root or none exists)."""
    if os.geteuid() != 0:
        return None
    for name in candidates:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def as_user(argv: Sequence[str], user: str | None) -> list[str]:
    """Prefix ``argv`` so it runs as ``user`` (``runuser``, ``setpriv`` or ``su``)."""
    if user is None:
        return list(argv)
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *argv]
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "--", *argv]
    return ["su", user, "-s", "/bin/sh", "-c", shlex.join(argv)]


def chown_tree(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
