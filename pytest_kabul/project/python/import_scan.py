"""Import statements read from the raw text, without building a syntax tree.

Parsing every file with :mod:`ast` only to list its imports costs most of a cold static scan;
a lexical scan of the same text costs a fifth of it. :func:`scan_imports` blanks out strings and
comments and reads every ``import`` / ``from ... import`` statement (parenthesised, continued
with a backslash, indented, relative) with its line. It answers only where the answer cannot
depend on the code's structure, and returns None (the caller parses the file) otherwise:

- a dynamic import (``import_module``, ``__import__``): the caller walks expressions;
- an indented import in a file that mentions ``try:``, ``TYPE_CHECKING`` or ``version_info``
  (guards, type-only blocks, version gates: see :mod:`pytest_kabul.project.python.imports`);
- an ``import`` keyword outside a statement of its own (``if x: import y``, ``a; import b``),
  a line starting with ``import`` inside a string, or continuing the line before;
- text that may not parse: an unterminated string, unbalanced brackets, Python 2 forms
  (``print "x"``, backticks, ``<>``), template tags, merge-conflict markers, NUL bytes, lone
  carriage returns, runs of a hundred brackets or unary operators (the parser's nesting limits).

A file with a syntax error these lexical checks cannot see (``def f(x y):``) is read as if it
parsed: its imports are listed instead of the file being reported as unparsable.
"""

from __future__ import annotations

import re

# Strings (triple-quoted first) and comments, replaced by a token to leave only code. Every
# branch starts with a literal character, so the engine skips ahead between candidates.
_STRING_OR_COMMENT = re.compile(
    r"""
    \#[^\n]*
  | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
  | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
  | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
  | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
    """,
    re.S | re.X,
)
_LINE_START = re.compile(r"[ \t\f]*(?=(?:from|import)\b)")  # a line starting an import
_KEYWORD = re.compile(r"import(?!\w)")
_SP = r"(?:[ \t\f]|\\\r?\n)"  # blanks on one logical line
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:{_SP}*\.{_SP}*{_NAME})*"
_LINE = r"(?P<items>(?:[^\n#;\\()]|\\\r?\n)*)"  # the rest of a logical line
_END = r"(?:\#[^\n]*)?(?=\n|\Z)"  # the line break stays: the next statement follows it
_IMPORT = re.compile(rf"import(?=[ \t\f\\]){_LINE}{_END}")
_FROM = re.compile(
    rf"from{_SP}*(?P<dots>(?:\.{_SP}*)*)(?P<module>{_DOTTED})?{_SP}*import{_SP}*"
    rf"(?:\((?P<paren>[^()\\\"']*)\){_SP}*{_END}|{_LINE}{_END})"
)
_ITEM = re.compile(rf"\s*(?P<name>{_DOTTED})(?:\s+as\s+{_NAME})?\s*")
_BLANKS = re.compile(r"(?:\s|\\\r?\n)+")
_COMMENT = re.compile(r"\#[^\n]*")
# Code (strings and comments removed) no Python 3 parser accepts; checked before trusting.
# Literal first characters and substring tests: a regex starting with ``^`` tries every position.
_INVALID_TEXT = ("`", "<>", "{%", "%}", "\n<<<<<<<", "\n>>>>>>>", "\n=======")
_PY2_STATEMENT = re.compile(r"\n[ \t]*(?:print|exec)[ \t]+[\w\"'\[]")
# Deep nesting (``((((...``, ``- - - ...``) that may exceed the parser's limits.
_DEEP = re.compile(r"[-+~(\[{](?:[ \t]*[-+~(\[{]){99}")  # a class first: the engine skips
_TRY = re.compile(r"\n[ \t]*try[ \t]*:")

Found = tuple[str, int, tuple[str, ...]]  # module, line, names (sorted, ``from`` only)


def _names(items: str, *, dotted: bool, trailing: bool) -> list[str] | None:
    """The names of ``a.b as c, d`` (None if it is not such a list)."""
    parts = _BLANKS.sub(" ", items).split(",")
    if trailing and len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # ``(a, b,)``
    out = []
    for part in parts:
        m = _ITEM.fullmatch(part)
        if m is None or (not dotted and "." in m["name"]):
            return None
        out.append(m["name"].replace(" ", ""))
    return out


def _statements(src: str) -> list[tuple[int, int]] | None:
    """(line start, keyword) of the lines that start with ``from``/``import`` and hold the
    keyword ``import``; None if such a line continues the one before (``from x \\``)."""
    out: list[tuple[int, int]] = []
    seen = -1
    for m in _KEYWORD.finditer(src):
        start = src.rfind("\n", 0, m.start()) + 1
        if start == seen:
            continue
        seen = start
        line = _LINE_START.match(src, start)
        if line is None:
            continue
        if src.endswith("\\", 0, start - 1) or src.endswith("\\\r", 0, start - 1):
            return None
        out.append(line.span())
    return out


def scan_imports(text: str) -> list[Found] | None:
    """The absolute imports of a module's text, or None where only a parse can tell."""
    if "import_module" in text or "__import__" in text or "\0" in text:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # lone CR line breaks: lines would be counted differently
    src = "\n" + text  # every statement, the first one too, follows a line break
    code = _STRING_OR_COMMENT.sub("0", src)  # a token, not a blank: ``print "x"`` stays wrong
    if (
        '"' in code
        or "'" in code  # a quote opening a string that never closes
        or any(bad in code for bad in _INVALID_TEXT)
        or (("print" in code or "exec" in code) and _PY2_STATEMENT.search(code))
        or _DEEP.search(code)
        or any(code.count(a) != code.count(b) for a, b in (("(", ")"), ("[", "]"), ("{", "}")))
    ):
        return None
    starts = _statements(src)
    if starts is None or len(starts) != len(_statements(code) or ()):
        return None  # an import line inside a string, or continuing the line before
    keywords = [m.start() for m in _KEYWORD.finditer(code)]
    if len(keywords) != len(starts) and len(starts) != sum(
        1 for k in keywords if not (code[k - 1].isalnum() or code[k - 1] in "_.")
    ):
        return None  # ``import`` outside a statement of its own (``if x: import y``)
    found: list[Found] = []
    indented = False
    last = line = 0
    for start, at in starts:
        line += src.count("\n", last, at)
        last = at
        indented = indented or at > start + 1
        if src.startswith("import", at):
            stmt = _IMPORT.match(src, at)
            items = _names(stmt["items"], dotted=True, trailing=False) if stmt else None
            if stmt is None or items is None:
                return None
            found.extend((name, line, ()) for name in items)
            continue
        stmt = _FROM.match(src, at)
        if stmt is None:
            return None
        listed = stmt["paren"]
        if listed is not None:
            names = _names(_COMMENT.sub("", listed), dotted=False, trailing=True)
        elif stmt["items"].strip() == "*":
            names = ["*"]
        else:
            names = _names(stmt["items"], dotted=False, trailing=False)
        if names is None:
            return None
        if not stmt["dots"] and stmt["module"]:
            found.append((_BLANKS.sub("", stmt["module"]), line, tuple(sorted(names))))
    if indented and ("TYPE_CHECKING" in src or "version_info" in src or _TRY.search(src)):
        return None
    return sorted(set(found), key=lambda f: (f[1], f[0], f[2]))
