"""A small JavaScript/TypeScript tokenizer: strings, template literals, comments, regex literals.

Enough to read the facts the frontend checks need from ``middleware.ts`` / ``next.config.mjs``
without Node at run time: string literals (with their line), array literals of strings, import
specifiers, and text with comments blanked out. It never raises: unterminated strings, comments
or templates end at the end of the file.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_IDENT_RE = re.compile(r"[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*")
_NUMBER_RE = re.compile(r"\d[\w.]*|\.\d[\w]*")
_PUNCT3 = ("===", "!==", "...", "**=", "<<=", ">>=", "&&=", "||=", "??=")
_PUNCT2 = ("=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=")
# After these a ``/`` starts a regex literal, not a division.
_REGEX_AFTER_WORDS = frozenset(
    {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw"}
    | {"yield", "await", "instanceof"}
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class Kind(enum.Enum):
    STRING = "string"  # '...', "...", or a template literal without ${}
    TEMPLATE = "template"  # a template literal with ${} (value is the raw text)
    IDENT = "ident"
    NUMBER = "number"
    PUNCT = "punct"
    REGEX = "regex"


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: str
    line: int
    start: int
    end: int


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt == "\n":
                i += 2
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _skip_string(text: str, i: int, quote: str) -> int:
    """Index just past the closing quote of a string starting at ``i`` (the quote)."""
    n = len(text)
    j = i + 1
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == quote or ch == "\n":
            return j + 1
        j += 1
    return n


def _skip_template(text: str, i: int) -> tuple[int, bool]:
    """(end index, has ``${}``) for a template literal starting at ``i`` (the backtick)."""
    n = len(text)
    j = i + 1
    has_expr = False
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "`":
            return j + 1, has_expr
        if ch == "$" and text.startswith("${", j):
            has_expr = True
            j = _skip_braces(text, j + 2)
            continue
        j += 1
    return n, has_expr


def _skip_braces(text: str, j: int) -> int:
    depth = 1
    n = len(text)
    while j < n and depth:
        ch = text[j]
        if ch in "'\"":
            j = _skip_string(text, j, ch)
            continue
        if ch == "`":
            j = _skip_template(text, j)[0]
            continue
        if text.startswith("//", j):
            end = text.find("\n", j)
            j = n if end == -1 else end
            continue
        if text.startswith("/*", j):
            end = text.find("*/", j + 2)
            j = n if end == -1 else end + 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        j += 1
    return j


def _skip_regex(text: str, i: int) -> int:
    n = len(text)
    j = i + 1
    in_class = False
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n":
            return j
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "/":
            j += 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            return j
        j += 1
    return n


def _regex_allowed(prev: Token | None) -> bool:
    if prev is None:
        return True
    if prev.kind is Kind.PUNCT:
        return prev.value not in (")", "]", "}")
    if prev.kind is Kind.IDENT:
        return prev.value in _REGEX_AFTER_WORDS
    return False


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    line = 1
    prev: Token | None = None
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        start = i
        if text.startswith("//", i) or (text.startswith("#!", i) and i == 0):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
            line += text.count("\n", start, i)
            continue
        if ch in "'\"":
            i = _skip_string(text, i, ch)
            close = 1 if i <= n and text[i - 1] == ch and i - 1 > start else 0
            tok = Token(Kind.STRING, _unescape(text[start + 1 : i - close]), line, start, i)
        elif ch == "`":
            i, has_expr = _skip_template(text, i)
            raw = text[start + 1 : i - 1] if text[i - 1 : i] == "`" else text[start + 1 : i]
            kind = Kind.TEMPLATE if has_expr else Kind.STRING
            tok = Token(kind, raw if has_expr else _unescape(raw), line, start, i)
        elif ch == "/" and _regex_allowed(prev):
            i = _skip_regex(text, i)
            tok = Token(Kind.REGEX, text[start:i], line, start, i)
        else:
            m = _IDENT_RE.match(text, i) or _NUMBER_RE.match(text, i)
            if m:
                i = m.end()
                kind = Kind.NUMBER if ch.isdigit() or ch == "." else Kind.IDENT
                tok = Token(kind, m.group(), line, start, i)
            else:
                width = (
                    3 if text.startswith(_PUNCT3, i) else 2 if text.startswith(_PUNCT2, i) else 1
                )
                i += width
                tok = Token(Kind.PUNCT, text[start:i], line, start, i)
        line += text.count("\n", start, i)
        tokens.append(tok)
        prev = tok
    return tokens


def strip_comments(text: str) -> str:
    """The text with every comment replaced by spaces (newlines kept, so lines stay right)."""
    out: list[str] = []
    last = 0
    for tok in tokenize(text):
        gap = text[last : tok.start]
        out.append(_blank_comments(gap))
        out.append(text[tok.start : tok.end])
        last = tok.end
    out.append(_blank_comments(text[last:]))
    return "".join(out)


def _blank_comments(gap: str) -> str:
    if "/" not in gap and "#" not in gap:
        return gap
    return "".join(c if c.isspace() else " " for c in gap)


@dataclass(frozen=True)
class StringArray:
    """An array literal whose elements are all plain strings."""

    line: int
    name: str  # the identifier/key it is assigned to ("publicPaths", "matcher"), or ""
    items: tuple[tuple[str, int], ...]  # (value, line)


def string_arrays(tokens: list[Token]) -> list[StringArray]:
    found: list[StringArray] = []
    for idx, tok in enumerate(tokens):
        if tok.kind is not Kind.PUNCT or tok.value != "[":
            continue
        items: list[tuple[str, int]] = []
        j = idx + 1
        ok = False
        while j < len(tokens):
            t = tokens[j]
            if t.kind is Kind.STRING:
                items.append((t.value, t.line))
                j += 1
                nxt = tokens[j] if j < len(tokens) else None
                if nxt is not None and nxt.kind is Kind.PUNCT and nxt.value == ",":
                    j += 1
                    continue
            nxt = tokens[j] if j < len(tokens) else None
            ok = nxt is not None and nxt.kind is Kind.PUNCT and nxt.value == "]"
            break
        if ok and items:
            found.append(StringArray(tok.line, _assigned_name(tokens, idx), tuple(items)))
    return found


def _assigned_name(tokens: list[Token], idx: int) -> str:
    """``const X = [`` / ``X: [`` / ``X = new Set([`` -> ``X``."""
    j = idx - 1
    while j >= 0 and tokens[j].kind is not Kind.IDENT and tokens[j].value in ("(",):
        j -= 1
    if j >= 1 and tokens[j].kind is Kind.IDENT and tokens[j].value in ("Set", "Array"):
        j -= 2 if tokens[j - 1].value == "new" else 1
    if j >= 1 and tokens[j].value in ("=", ":") and tokens[j - 1].kind in (Kind.IDENT, Kind.STRING):
        return tokens[j - 1].value
    if j >= 1 and tokens[j].kind is Kind.IDENT and tokens[j - 1].value == ">":
        return ""  # a generic type annotation; name unknown
    return ""


def import_specifiers(tokens: list[Token]) -> list[tuple[str, int]]:
    """Module specifiers of ``import``/``export ... from``/``require()``/``import()``."""
    out: list[tuple[str, int]] = []
    for idx, tok in enumerate(tokens):
        if tok.kind is not Kind.STRING or idx == 0:
            continue
        before = tokens[idx - 1]
        if (before.kind is Kind.IDENT and before.value in ("from", "import")) or (
            before.value == "("
            and idx >= 2
            and tokens[idx - 2].kind is Kind.IDENT
            and tokens[idx - 2].value in ("require", "import")
        ):
            out.append((tok.value, tok.line))
    return out


@dataclass(frozen=True)
class ImportBinding:
    """One name an ``import`` statement binds: ``local`` in this file, ``imported`` there.

    ``imported`` is the exported name, ``"default"`` or ``"*"`` (a namespace import)."""

    specifier: str
    local: str
    imported: str
    start: int  # token index range of the whole statement
    end: int


def import_bindings(tokens: list[Token]) -> list[ImportBinding]:
    """The bindings of static ``import ... from '...'`` statements (type-only ones skipped)."""
    out: list[ImportBinding] = []
    for idx, tok in enumerate(tokens):
        if tok.kind is not Kind.IDENT or tok.value != "import":
            continue
        if idx and tokens[idx - 1].value == ".":
            continue  # import.meta
        j = idx + 1
        if j < len(tokens) and tokens[j].value in ("(", "."):
            continue  # dynamic import()
        if j < len(tokens) and tokens[j].value == "type":
            continue
        end = j
        while end < len(tokens) and not (
            tokens[end].kind is Kind.STRING and (tokens[end - 1].value == "from" or end == idx + 1)
        ):
            if tokens[end].value == ";" or end - idx > 400:
                break
            end += 1
        if end >= len(tokens) or tokens[end].kind is not Kind.STRING:
            continue
        spec = tokens[end].value
        names = tokens[j : end - 1] if end > j else []
        out.extend(
            ImportBinding(spec, local, imported, idx, end) for local, imported in _bound(names)
        )
    return out


def _bound(names: list[Token]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    i = 0
    in_braces = False
    while i < len(names):
        tok = names[i]
        value = tok.value
        if value == "{":
            in_braces = True
        elif value == "}":
            in_braces = False
        elif value == "*" and i + 2 < len(names) and names[i + 1].value == "as":
            found.append((names[i + 2].value, "*"))
            i += 2
        elif tok.kind in (Kind.IDENT, Kind.STRING) and value != "type":
            if in_braces:
                if i + 2 < len(names) and names[i + 1].value == "as":
                    found.append((names[i + 2].value, value))
                    i += 2
                elif tok.kind is Kind.IDENT:
                    found.append((value, value))
            elif tok.kind is Kind.IDENT:
                found.append((value, "default"))
        elif value == "type" and in_braces and i + 1 < len(names):
            # ``{ type X }``: a type, never a value
            i += 1
            while i + 1 < len(names) and names[i + 1].value == "as":
                i += 2
        i += 1
    return found
