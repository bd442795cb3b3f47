"""The Python that runs the project here, and project code it cannot parse.

A project written for a newer Python (PEP 758 ``except A, B:``, PEP 695 generics, PEP 701
f-strings) fails to import under an older interpreter with a ``SyntaxError``. That is the
environment's fault, not the project's: the live checks skip with :func:`newer_syntax_reason`
(an error under ``--kabul-require-live``), naming the file, the interpreter's version and
``[tool.kabul.live] python``, the setting that fixes it.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

_FILE_LINE = re.compile(r'^\s*File "([^"]+)", line (\d+)', re.M)
_SYNTAX = re.compile(r"^(?:\w+\.)*(SyntaxError|IndentationError|TabError): (.*)$", re.M)
FIX_PYTHON = (
    "install the app's dependencies into a virtualenv of a Python that runs it and name that"
    " interpreter in [tool.kabul.live] python"
)


@functools.cache
def python_version(python: str) -> str:
    """``"3.11.7"`` for the interpreter ``python``; ``""`` when it does not answer."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    out = done.stdout.strip()
    return out if re.fullmatch(r"\d+\.\d+\.\d+", out) else ""


def relative_site(site: str, root: Path | None) -> str:
    """``/abs/root/backend/app/x.py:7`` -> ``backend/app/x.py:7`` when it lies under ``root``."""
    if root is None:
        return site
    path, sep, line = site.rpartition(":")
    if not sep or not line.isdigit():
        path, line = site, ""
    try:
        rel = Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return site
    return f"{rel}:{line}" if line else rel


def syntax_error(log: str) -> tuple[str | None, str] | None:
    """The file:line and message of the last ``SyntaxError`` of a traceback in ``log``, or
    None when the log shows none. The file is the last ``File "…", line N`` before it (the
    code that did not parse)."""
    found = list(_SYNTAX.finditer(log))
    if not found:
        return None
    error = found[-1]
    sites = list(_FILE_LINE.finditer(log, 0, error.start()))
    site = f"{sites[-1].group(1)}:{sites[-1].group(2)}" if sites else None
    return site, f"{error.group(1)}: {error.group(2).strip()}"


def newer_syntax_reason(
    site: str | None, message: str, *, python: str | None, version: str | None = None
) -> str:
    """The skip reason for code the interpreter cannot parse (see the module docstring)."""
    version = version or (python_version(python) if python else "")
    interp = f"Python {version}" if version else "the interpreter running the live checks"
    if python:
        interp += f" ({python})"
    at = f" {site}" if site else ""
    return (
        f"the project's code does not parse with {interp}:{at} ({message}); it needs a newer"
        f" Python: {FIX_PYTHON}"
    )
