"""Compose file reading: a YAML 1.2 safe loader with ``!reset``/``!override``, ``.env`` files and
``${VAR}`` interpolation.

- :class:`ComposeLoader` refuses alias explosions, keeps ``!reset`` / ``!override`` as
  :class:`Reset` / :class:`Override` markers (the merge step acts on them), and resolves scalars
  the YAML 1.2 way compose (Go ``yaml.v3``) does: ``22:22`` and ``yes`` stay strings.
- :func:`parse_dotenv` reads ``.env`` / ``env_file`` files (``export``, quotes, comments).
- :class:`Interpolator` substitutes ``$VAR``, ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}``,
  ``${VAR:?e}``, ``${VAR?e}``, ``${VAR:+r}``, ``${VAR+r}`` and ``$$``. A variable without a value
  or default is *unknown*: it is recorded, its ``${VAR}`` text is kept and the string becomes a
  :class:`Partial` (a ``str`` that says "contains an unknown value"), never a silent ``""``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from pytest_kabul.project.yamlsafe import BoundedSafeLoader, documents, too_deep

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Reset:
    """``!reset``: remove the value inherited from earlier files."""


@dataclass(frozen=True)
class Override:
    """``!override``: replace the inherited value instead of merging with it."""

    value: Any


class Partial(str):
    """A string that still contains an unknown ``${VAR}`` (the server's environment decides)."""

    __slots__ = ()


class ComposeLoader(BoundedSafeLoader):
    """YAML 1.2 scalars, ``!reset``/``!override`` markers, other tags as plain values; the
    anchor-bomb bound (and its message, so the Problem is reported once) is ``Project``'s."""


def _plain(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return None if value in ("", "null", "~") else value


def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> Reset:
    return Reset()


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Override:
    return Override(_plain(loader, node))


def _other_tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    return _plain(loader, node)


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body.startswith(("0o", "0x")):
        return sign * int(body, 0)
    return sign * int(body)


# YAML 1.1 (PyYAML) resolves 22:22 to 1342, yes/on to True and dates to datetime; compose's
# yaml.v3 does not. Replace those implicit resolvers with the YAML 1.2 core schema.
ComposeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in {
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
        }
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
ComposeLoader.add_constructor("tag:yaml.org,2002:int", _int)
ComposeLoader.add_constructor("!reset", _reset)
ComposeLoader.add_constructor("!override", _override)
ComposeLoader.add_multi_constructor("!", _other_tag)


def _refuse_duplicate_keys(root: yaml.Node) -> None:
    """``docker compose`` rejects a mapping that repeats a key (``mapping key "ports" already
    defined``); PyYAML keeps the last value silently, which could flip a check to pass."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in keys:
                        raise yaml.MarkedYAMLError(
                            problem=f"duplicate key {key.value!r} (docker compose rejects it)",
                            problem_mark=key.start_mark,
                        )
                    keys.add(key.value)
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


@dataclass(frozen=True)
class Parsed:
    """A parsed compose file: its data and the 1-based lines of services and their keys."""

    data: Any
    service_lines: Mapping[str, int]
    key_lines: Mapping[str, Mapping[str, int]]


# Compose's resolvers (YAML 1.2 scalars) and constructors (``!reset``, ``!override``) on
# libyaml's parser and composer (C).
CComposeLoader: Any = None
if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml

    class _CCompose(yaml.CSafeLoader):
        yaml_implicit_resolvers = ComposeLoader.yaml_implicit_resolvers
        yaml_constructors = ComposeLoader.yaml_constructors
        yaml_multi_constructors = ComposeLoader.yaml_multi_constructors

    CComposeLoader = _CCompose


def _load(loader_class: Any, text: str) -> tuple[Any, yaml.Node | None]:
    """(data, root node) of the first document (None, None for an empty text)."""
    found = documents(loader_class, text, first=True, check=_refuse_duplicate_keys)
    if not found:
        return None, None
    node, data = found[0]
    return data, node


def parse_compose_yaml(text: str, *, fast: bool = True) -> Parsed:
    """Parse the first document; raises ``yaml.YAMLError`` (the caller records a Problem).

    libyaml composes the node graph when PyYAML has it (``fast``): several times faster than
    PyYAML's own composer, which the secret masking of every run (warm ones too) waits for.
    A text libyaml refuses, or nested too deeply for its recursion, goes through
    :class:`ComposeLoader`, whose error is the one reported, the same on every installation."""
    data: Any = None
    node: yaml.Node | None = None
    done = False
    if fast and CComposeLoader is not None and not too_deep(text):
        try:
            data, node = _load(CComposeLoader, text)
            done = True
        except yaml.YAMLError:
            pass
    if not done:
        data, node = _load(ComposeLoader, text)
    service_lines: dict[str, int] = {}
    key_lines: dict[str, dict[str, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value != "services" or not isinstance(value, yaml.MappingNode):
                continue
            for skey, sval in value.value:
                name = str(skey.value)
                service_lines[name] = skey.start_mark.line + 1
                if isinstance(sval, yaml.MappingNode):
                    key_lines[name] = {str(k.value): k.start_mark.line + 1 for k, _ in sval.value}
    return Parsed(data, service_lines, key_lines)


def parse_dotenv(text: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Parse a ``.env`` / ``env_file``: ``KEY=value``, ``export``, quotes, ``#`` comments.

    Unquoted and double-quoted values may use ``${VAR}`` of earlier lines (or ``env``);
    single-quoted values are literal. Lines without ``=`` are ignored.
    """
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _NAME_RE.fullmatch(key):
            continue
        value = value.strip()
        known = {**(env or {}), **out}
        if value[:1] in ("'", '"'):
            quote = value[0]
            body = value[1:]
            while not _closed(body, quote) and i < len(lines):
                body += "\n" + lines[i]
                i += 1
            end = _close_index(body, quote)
            body = body[:end] if end >= 0 else body
            if quote == '"':
                body = _unescape(body)
                out[key] = str(Interpolator(known).sub(body))
            else:
                out[key] = body
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
            out[key] = str(Interpolator(known).sub(value))
    return out


def _close_index(body: str, quote: str) -> int:
    j = 0
    while j < len(body):
        if body[j] == "\\" and quote == '"':
            j += 2
            continue
        if body[j] == quote:
            return j
        j += 1
    return -1


def _closed(body: str, quote: str) -> bool:
    return _close_index(body, quote) >= 0


def _unescape(body: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), body)


class Interpolator:
    """Substitutes variables from ``env``; collects the names it could not resolve."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.unknown: set[str] = set()

    def sub(self, text: str) -> str:
        """The interpolated text: a :class:`Partial` when an unknown variable remains."""
        out, partial = self._sub(text)
        return Partial(out) if partial else out

    def _sub(self, text: str) -> tuple[str, bool]:
        if "$" not in text:
            return text, False
        parts: list[str] = []
        partial = False
        i = 0
        while i < len(text):
            ch = text[i]
            if ch != "$":
                parts.append(ch)
                i += 1
                continue
            nxt = text[i + 1 : i + 2]
            if nxt == "$":
                parts.append("$")
                i += 2
            elif nxt == "{":
                end = _matching_brace(text, i + 1)
                if end < 0:
                    parts.append(text[i:])
                    break
                value, unknown = self._braced(text[i + 2 : end])
                parts.append(value)
                partial = partial or unknown
                i = end + 1
            else:
                m = _NAME_RE.match(text, i + 1)
                if m is None:
                    parts.append("$")
                    i += 1
                    continue
                name = m.group(0)
                if name in self.env:
                    parts.append(self.env[name])
                else:
                    self.unknown.add(name)
                    parts.append("${" + name + "}")
                    partial = True
                i = m.end()
        return "".join(parts), partial

    def _braced(self, body: str) -> tuple[str, bool]:
        m = _NAME_RE.match(body)
        if m is None:
            return "${" + body + "}", False  # compose rejects it; keep the text
        name, rest = m.group(0), body[m.end() :]
        value = self.env.get(name)
        for op in (":-", "-", ":?", "?", ":+", "+"):
            if rest.startswith(op):
                arg = rest[len(op) :]
                usable = value is not None and (value != "" or ":" not in op)
                if op in (":-", "-"):
                    return (value, False) if usable and value is not None else self._sub(arg)
                if op in (":+", "+"):
                    return self._sub(arg) if usable else ("", False)
                if usable and value is not None:
                    return value, False
                break  # ${VAR:?err} without a value: unknown, the server must set it
        else:
            if rest:
                return "${" + body + "}", False
            if value is not None:
                return value, False
        self.unknown.add(name)
        return "${" + name + "}", True

    def deep(self, value: Any) -> Any:
        """Interpolate every string in a YAML value (keys are not interpolated)."""
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, Override):
            return Override(self.deep(value.value))
        return value


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1
