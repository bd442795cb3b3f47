"""Build-time variables of a Dockerfile: ``ARG`` defaults, compose ``build.args``, ``ENV``.

``RUN pip install ".[$EXTRAS]"`` or ``uv sync --extra ${EXTRA}`` installs what the variable
holds when the image is built: the ``ARG`` default (a stage's ``ARG X`` without a value takes the
global one declared before the first ``FROM``), overridden by the ``build.args`` of the compose
service that builds the image; ``ENV`` wins over both, as in Docker. ``$X``, ``${X}``,
``${X:-word}``, ``${X-word}``, ``${X:+word}`` and ``${X+word}`` are expanded; a variable with no
known value is left as written, so the install reader still sees that it cannot know it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pytest_kabul.project import shell

_VAR_RE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every variable whose value is known substituted (shell rules)."""

    def sub(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("bare")
        op, word = m.group("op"), m.group("word") or ""
        value = values.get(name)
        if op in (":-", "-"):
            unset = value is None or (op == ":-" and value == "")
            return word if unset else str(value)
        if op in (":+", "+"):
            present = value is not None and (op == "+" or value != "")
            return word if present else ""
        return value if value is not None else m.group(0)

    return _VAR_RE.sub(sub, text)


def sole_variable(text: str) -> str | None:
    """The variable's name when ``text`` is exactly one reference (``${SERVER_TYPE}``)."""
    m = _VAR_RE.fullmatch(text)
    return (m.group("braced") or m.group("bare")) if m else None


def _tokens(value: str) -> list[str]:
    return [t for argv in shell.split(value) for t in argv]


def declare_args(
    value: str,
    current: Mapping[str, str],
    build_args: Mapping[str, str],
    global_defaults: Mapping[str, str],
) -> dict[str, str]:
    """The variables after ``ARG <value>`` (``NAME``, ``NAME=default``, several per line)."""
    out = dict(current)
    for token in _tokens(value):
        name, eq, default = token.partition("=")
        if not name.isidentifier():
            continue
        if name in build_args:
            out[name] = build_args[name]
        elif eq:
            out[name] = expand(default, out)
        elif name in global_defaults:
            out[name] = global_defaults[name]
    return out


def declare_env(
    value: str, current: Mapping[str, str], visible: Mapping[str, str]
) -> dict[str, str]:
    """The ENV variables after ``ENV K=V ...`` (or the legacy ``ENV K value with spaces``);
    ``visible`` are the variables its values may use (ARGs included)."""
    out = dict(current)
    scope = {**visible}
    tokens = _tokens(value)
    if tokens and "=" not in tokens[0]:
        if tokens[0].isidentifier():
            out[tokens[0]] = expand(" ".join(tokens[1:]), scope)
        return out
    for token in tokens:
        name, eq, text = token.partition("=")
        if eq and name.isidentifier():
            out[name] = scope[name] = expand(text, scope)
    return out


def compose_build_args(raw_build: object) -> dict[str, str]:
    """``build: {args: {...}}`` or ``args: ["A=b"]`` of one compose service (values as text)."""
    if not isinstance(raw_build, Mapping):
        return {}
    args = raw_build.get("args")
    out: dict[str, str] = {}
    if isinstance(args, Mapping):
        for key, value in args.items():
            if isinstance(key, str) and value is not None:
                out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    elif isinstance(args, list):
        for item in args:
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                out[key.strip()] = value
    return out
