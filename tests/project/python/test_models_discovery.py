"""KAB601's model discovery parses only files that can hold models, plus the files whose class
statements define or derive from the classes found (pytest_kabul.project.python.models_sqla):
the models are those of a full parse."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.models_sqla import class_defs, class_headers, sqla_models


def _write(root: Path, files: dict[str, str]) -> Project:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return Project(root)


def test_relatives_in_files_without_model_words_still_count(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            # SQLModel fields inherited from a plain base module (no model words in it)
            "app/bases.py": """
                from app.common import Shared
                class HeroBase(Shared):
                    avatar: str
            """,
            "app/models.py": """
                from sqlmodel import Field
                from app.bases import HeroBase
                class Hero(HeroBase, table=True):
                    id: int | None = Field(default=None, primary_key=True)
                class Thing(Base):
                    data = Column(Text)
            """,
            # a subclass elsewhere turns Thing into a base class (so not a model itself)
            "app/special.py": """
                from app.models import Thing
                class Special(Thing):
                    note: str
            """,
            "app/unrelated.py": "class Other:\n    x: int\n",
        },
    )
    models = {m.name: m for m in sqla_models(project)}
    assert sorted(models) == ["Hero"]
    assert [c.attr for c in models["Hero"].columns] == ["avatar", "id"]
    assert "app/unrelated.py" not in project._trees  # never parsed


def test_files_that_only_mention_a_model_or_share_a_base_are_not_parsed(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "app/models.py": """
                from pydantic import BaseModel
                from sqlalchemy import Column, Text
                class Thing(Base):
                    __tablename__ = "things"
                    data = Column(Text)
                class ThingRead(BaseModel):
                    data: str
            """,
            # a route using the model, a schema sharing ThingRead's base: neither can change
            # which classes are models or what columns they have
            "app/routes.py": """
                from app.models import Thing
                def get(session) -> list[Thing]:
                    return session.query(Thing).all()
            """,
            "app/schemas.py": """
                from pydantic import BaseModel
                class Other(BaseModel):
                    x: int
            """,
            # a subclass named through its module: its file is parsed, and Thing stays a model
            # (it has a table) with the subclass's annotation not among its columns
            "app/special.py": """
                from app import models
                class Special(
                    models.Thing,  # derived
                ):
                    note: str
            """,
        },
    )
    models = {m.name: m for m in sqla_models(project)}
    assert sorted(models) == ["Thing"]
    assert [c.attr for c in models["Thing"].columns] == ["data"]
    assert "app/special.py" in project._trees
    assert "app/routes.py" not in project._trees
    assert "app/schemas.py" not in project._trees


def test_class_headers() -> None:
    text = (
        '"""A class (see Note) for things."""\n'
        "class A(pkg.Base, Mixin, metaclass=Meta):\n    x: int\n"
        "class B:\n    pass\n"
        "class C(\n    Generic[T],  # typed\n    D,\n):\n    ...\n"
    )
    names, bases = class_headers(text)
    assert names == {"A", "B", "C"}
    assert bases == {"pkg", "Base", "Mixin", "metaclass", "Meta", "Generic", "T", "D", "typed"}
    assert class_headers("x = 1\n") == (frozenset(), frozenset())
    # a base list a lexical reading cannot delimit: every word counts as both
    for odd in ('class E(Base["x"]):\n    pass\nUser\n', "class F(Base\nUser = 1\n"):
        names, bases = class_headers(odd)
        assert {"User", "Base"} <= names
        assert {"User", "Base"} <= bases


def test_a_project_without_models_parses_nothing(tmp_path: Path) -> None:
    project = _write(tmp_path, {"app/main.py": "import os\nclass A:\n    x: int = 1\n"})
    assert sqla_models(project) == ()
    assert project._trees == {}


NESTED = """
class A:
    class Inner: ...
def f():
    class InFunction: ...
    return [lambda: 1 for _ in ()]
try:
    class InTry: ...
except ImportError:
    class InHandler: ...
else:
    class InElse: ...
finally:
    class InFinally: ...
match x:
    case 1:
        class InCase: ...
with open("f") as fh:
    if fh:
        class InIf: ...
    for _ in fh:
        class InFor: ...
    while False:
        class InWhile: ...
async def g():
    async with x:
        class InAsyncWith: ...
class B(A):
    def m(self):
        class InMethod: ...
"""


def test_class_defs_finds_what_ast_walk_finds_in_its_order() -> None:
    tree = ast.parse(NESTED)
    expected = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    assert [n.name for n in class_defs(tree)] == expected
    assert len(expected) == 14
