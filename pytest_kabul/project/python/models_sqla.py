"""SQLAlchemy / SQLModel model classes and their columns, read from the AST.

Recognises ``x = Column(Text)``, ``x: Mapped[str] = mapped_column(Text)``, bare ``x: Mapped[str]``
(typed by the annotation), ``db.Column(db.LargeBinary)``, ``postgresql.BYTEA`` and SQLModel
``x: str = Field(...)`` / ``Field(sa_column=Column(JSON))`` in ``table=True`` classes. Columns
inherited from mixins and base classes (matched by class name across the project) count too.
A class is a model when it has ``__tablename__``/``table=True``, or has columns and no other
column class derives from it (otherwise it is a mixin, whose columns its models inherit).
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import is_test_file
from pytest_kabul.project.python.stmtwalk import statements

_COLUMN_CALLS = frozenset({"Column", "mapped_column", "column_property"})
_TEXT = frozenset({"Text", "String", "Unicode", "UnicodeText", "VARCHAR", "TEXT", "CHAR", "CLOB"})
_BINARY = frozenset({"LargeBinary", "BYTEA", "BLOB", "BINARY", "VARBINARY", "LONGBLOB", "bytea"})
_JSON = frozenset({"JSON", "JSONB"})
_ANNOTATION_KINDS = {"str": "String", "bytes": "LargeBinary", "dict": "JSON", "list": "JSON"}


class ColumnKind(enum.Enum):
    TEXT = "text"
    BINARY = "binary"
    JSON = "json"
    OTHER = "other"

    @property
    def holds_payloads(self) -> bool:
        return self is not ColumnKind.OTHER


@dataclass(frozen=True, order=True)
class Column:
    model: str
    attr: str
    type_name: str  # "Text", "String(255)", "LargeBinary" ...
    kind: ColumnKind
    file: str
    line: int

    @property
    def subject(self) -> str:
        return f"{self.model}.{self.attr}"


@dataclass(frozen=True)
class Model:
    name: str
    table: str | None
    file: str
    line: int
    columns: tuple[Column, ...]

    def column(self, attr: str) -> Column | None:
        return next((c for c in self.columns if c.attr == attr), None)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return ""


def _kind(type_name: str) -> ColumnKind:
    if type_name in _TEXT:
        return ColumnKind.TEXT
    if type_name in _BINARY:
        return ColumnKind.BINARY
    if type_name in _JSON:
        return ColumnKind.JSON
    return ColumnKind.OTHER


def _type_from_call(call: ast.Call) -> str | None:
    for arg in call.args:
        if isinstance(arg, ast.Constant) or _name(arg) in ("ForeignKey", "Sequence", "Identity"):
            continue
        name = _name(arg)
        if name:
            if isinstance(arg, ast.Call) and arg.args and isinstance(arg.args[0], ast.Constant):
                return f"{name}({arg.args[0].value!s})"
            return name
    for kw in call.keywords:
        if kw.arg in ("type_", "sa_type"):
            return _name(kw.value) or None
        if kw.arg == "sa_column" and isinstance(kw.value, ast.Call):
            return _type_from_call(kw.value)
    return None


def _type_from_annotation(node: ast.expr | None) -> str | None:
    """``Mapped[str | None]`` / ``Optional[bytes]`` / ``str`` -> "String" / "LargeBinary"."""
    if node is None:
        return None
    if isinstance(node, ast.Subscript) and _name(node.value) in ("Mapped", "Optional"):
        return _type_from_annotation(node.slice)
    if isinstance(node, ast.BinOp):  # X | None
        return _type_from_annotation(node.left) or _type_from_annotation(node.right)
    if isinstance(node, ast.Subscript):
        return _ANNOTATION_KINDS.get(_name(node.value))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _type_from_annotation(ast.parse(node.value, mode="eval").body)
        except (SyntaxError, ValueError):
            return None
    return _ANNOTATION_KINDS.get(_name(node))


@dataclass(frozen=True)
class _ClassInfo:
    name: str
    file: str
    line: int
    bases: tuple[str, ...]
    table: str | None
    explicit_model: bool  # __tablename__ or table=True
    sqlmodel_table: bool
    abstract: bool
    own: tuple[tuple[str, str | None, int], ...]  # (attr, type name, line)
    soft: tuple[tuple[str, str | None, int], ...]  # SQLModel fields: columns in table classes


def _class_info(rel: str, cls: ast.ClassDef) -> _ClassInfo | None:
    table: str | None = None
    abstract = False
    own: list[tuple[str, str | None, int]] = []
    soft: list[tuple[str, str | None, int]] = []
    sqlmodel_table = any(
        kw.arg == "table" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in cls.keywords
    )
    for stmt in cls.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        annotation: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value, annotation = stmt.target, stmt.value, stmt.annotation
        if not isinstance(target, ast.Name):
            continue
        if target.id == "__tablename__" and isinstance(value, ast.Constant):
            table = str(value.value)
            continue
        if target.id == "__abstract__":
            abstract = isinstance(value, ast.Constant) and value.value is True
            continue
        call_name = _name(value) if isinstance(value, ast.Call) else ""
        if call_name in ("relationship", "synonym", "association_proxy", "Relationship"):
            continue
        mapped = annotation is not None and _name(annotation) == "Mapped"
        type_name = _type_from_call(value) if isinstance(value, ast.Call) else None
        column = (target.id, type_name or _type_from_annotation(annotation), stmt.lineno)
        if call_name in _COLUMN_CALLS or mapped:
            own.append(column)
        elif annotation is not None and (value is None or call_name == "Field"):
            soft.append(column)  # a SQLModel field: a column only in a table=True class
    explicit = table is not None or sqlmodel_table
    if not own and not soft and not explicit:
        return None
    bases = tuple(_name(b) for b in cls.bases)
    return _ClassInfo(
        cls.name,
        rel,
        cls.lineno,
        bases,
        table,
        explicit,
        sqlmodel_table,
        abstract,
        tuple(own),
        tuple(soft),
    )


def parse_guarded(project: Project, rel: str) -> ast.Module | None:
    """``project.parse_python`` that also survives nesting too deep for the parser."""
    try:
        return project.parse_python(rel)
    except (RecursionError, MemoryError):
        project.problem(rel, "nested too deeply to parse; its models and writes were not checked")
        return None


def python_sources(project: Project) -> tuple[str, ...]:
    return tuple(
        f
        for f in project.files.suffix(".py")
        if not is_test_file(f) and "/versions/" not in f and "/migrations/" not in f
    )


def _inherited(info: _ClassInfo, classes: dict[str, list[_ClassInfo]]) -> Iterable[_ClassInfo]:
    seen: set[str] = {info.name}
    stack = list(info.bases)
    while stack:
        base = stack.pop()
        if base in seen:
            continue
        seen.add(base)
        for parent in classes.get(base, ()):
            yield parent
            stack.extend(parent.bases)


# A class is a model or carries columns of its own only if its file says one of these
# (``Column(``, ``mapped_column(``, ``column_property(``, ``Mapped[...]``, ``__tablename__``,
# ``table=True``): only such files are parsed first.
_WORD = re.compile(r"\w+")
_MODEL_WORDS = re.compile(r"Column|mapped_column|column_property|Mapped|__tablename__|table\s*=")


# A literal first, so that ``re`` skips ahead to it (``\b`` first is tried at every position);
# the word boundary before it is checked by hand.
_CLASS_HEADER = re.compile(r"class\s+(\w+)\s*(\()?")
_HEADER_LIMIT = 4000  # characters of a base list: past it, the file's every word counts


def class_headers(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(names, base words) of the class statements in ``text``, read lexically: ``class X(a.B,
    metaclass=M)`` gives ``X`` and ``a``, ``B``, ``metaclass``, ``M``. Prose that reads like a
    header only adds words. Where a base list cannot be delimited without a parse (a quote
    in it, brackets that do not close, a header continued with a backslash), every word of
    the file counts as both, as a plain word search would have it."""
    if "class" not in text:
        return frozenset(), frozenset()
    names: set[str] = set()
    bases: set[str] = set()
    at = 0
    while (m := _CLASS_HEADER.search(text, at)) is not None:
        before = text[m.start() - 1] if m.start() else " "
        if before.isalnum() or before == "_":  # ``@dataclass``: not the keyword
            at = m.start() + 1
            continue
        at = m.end()
        names.add(m.group(1))
        if m.group(2) is None:
            continue
        depth, close, end = 1, m.end(), min(len(text), m.end() + _HEADER_LIMIT)
        while depth and close < end:
            char = text[close]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif char in "\"'\\":
                break
            close += 1
        if depth:
            words = frozenset(_WORD.findall(text))
            return words, words
        bases.update(_WORD.findall(text, m.end(), close))
    if _CONTINUED_CLASS.search(text):
        words = frozenset(_WORD.findall(text))
        return words, words
    return frozenset(names), frozenset(bases)


_CONTINUED_CLASS = re.compile(r"class\s*\\")  # literal first (``subclass \`` only adds words)


def class_defs(tree: ast.AST) -> Iterator[ast.ClassDef]:
    """Every class definition, in ``ast.walk``'s order (see :mod:`.stmtwalk`)."""
    return (node for node in statements(tree) if isinstance(node, ast.ClassDef))


def _file_classes(project: Project, rel: str) -> list[_ClassInfo]:
    tree = parse_guarded(project, rel)
    if tree is None:
        return []
    found = (_class_info(rel, n) for n in class_defs(tree))
    return [info for info in found if info is not None]


def _discover(project: Project) -> dict[str, list[_ClassInfo]]:
    """Class records of the files that can hold models, then of the files whose class
    statements define a name those classes are or derive from (a mixin of plain annotations in
    another module, a same-named class) or derive from one of those classes (a subclass that
    turns a model into a base), to a fixed point: the models a parse of every file finds.

    A file outside that closure cannot change them: its classes hold no column call, no
    ``__tablename__`` and no ``table=`` (its text would have been parsed first), so none is a
    model; none is a base of a class found, nor derives from one. A file that merely *mentions*
    a model (a route importing ``User``) or shares a base with one (a pydantic schema beside a
    SQLModel class) is therefore not parsed."""
    sources = python_sources(project)
    by_file: dict[str, list[_ClassInfo]] = {}
    for rel in sources:
        text = project.read_text(rel)
        if text is not None and _MODEL_WORDS.search(text):
            by_file[rel] = _file_classes(project, rel)
    defined_searched: set[str] = set()
    derived_searched: set[str] = set()
    headers: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # each file's, read once
    while True:
        infos = [i for found in by_file.values() for i in found]
        names = {n for i in infos for n in (i.name, *i.bases) if n} - defined_searched
        found_classes = {i.name for i in infos} - derived_searched
        if not names and not found_classes:
            break
        defined_searched.update(names)
        derived_searched.update(found_classes)
        for rel in sources:
            if rel in by_file:
                continue
            header = headers.get(rel)
            if header is None:
                header = headers[rel] = class_headers(project.read_text(rel) or "")
            defined, bases = header
            if not defined.isdisjoint(names) or not bases.isdisjoint(found_classes):
                by_file[rel] = _file_classes(project, rel)
    classes: dict[str, list[_ClassInfo]] = {}
    for rel in sources:  # the order of a full scan: it decides which same-named class wins
        for info in by_file.get(rel, ()):
            classes.setdefault(info.name, []).append(info)
    return classes


@facet
def sqla_models(project: Project) -> tuple[Model, ...]:
    classes = _discover(project)
    used_as_base = {b for infos in classes.values() for i in infos for b in i.bases}
    models: list[Model] = []
    for infos in classes.values():
        for info in infos:
            is_model = info.explicit_model or (info.own and info.name not in used_as_base)
            if not is_model or info.abstract:
                continue
            columns: dict[str, Column] = {}
            for source in (*reversed(list(_inherited(info, classes))), info):
                fields = source.own + (source.soft if info.sqlmodel_table else ())
                for attr, type_name, line in fields:
                    tname = type_name or "unknown"
                    kind = _kind(tname.split("(", 1)[0])
                    columns[attr] = Column(info.name, attr, tname, kind, source.file, line)
            models.append(
                Model(info.name, info.table, info.file, info.line, tuple(sorted(columns.values())))
            )
    return tuple(sorted(models, key=lambda m: (m.name, m.file)))
