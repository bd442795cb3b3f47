"""KAB601's model discovery parses only files that can hold models, plus the files naming the
classes found (pytest_kabul.project.python.models_sqla): the models are those of a full parse."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.models_sqla import sqla_models


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


def test_a_project_without_models_parses_nothing(tmp_path: Path) -> None:
    project = _write(tmp_path, {"app/main.py": "import os\nclass A:\n    x: int = 1\n"})
    assert sqla_models(project) == ()
    assert project._trees == {}
