"""reach() parses only the modules whose calls can lead to a bootstrap call (a backward search
by name from the files that hold one), and finds what the walk over every module finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations import startup_calls
from pytest_kabul.project.migrations.startup_calls import Reach, reach

UPGRADE = """from alembic import command

def migrate():
    command.upgrade(cfg, "head")
"""


def _tree(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return sorted(files)


def _both(root: Path, rels: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Reach, set[str]]:
    project = Project(root)
    pruned = reach(project, rels, scripts=rels)
    parsed = set(startup_calls._cache(project))
    with monkeypatch.context() as m:
        m.setattr(startup_calls, "may_bootstrap", lambda *a, **k: True)  # every module walked
        assert reach(Project(root), rels, scripts=rels) == pruned
    return pruned, parsed


def test_only_modules_naming_a_bearing_function_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rels = _tree(
        tmp_path,
        {
            "db.py": UPGRADE,
            "boot.py": "from db import migrate\n\ndef start():\n    migrate()\n",
            "main.py": "from boot import start\n\nstart()\n",
            "other.py": "def migrate_users():\n    pass\n\nmigrate_users()\n",
            "unrelated.py": "import os\n\ndef handler():\n    return os.getcwd()\n",
        },
    )
    found, parsed = _both(tmp_path, rels, monkeypatch)
    assert found.upgrades == (("db.py", 4),)
    assert parsed == {"db.py", "boot.py", "main.py"}  # other.py names migrate_users only


def test_a_definition_alone_does_not_make_a_module_bearing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rels = _tree(
        tmp_path,
        {
            "db.py": UPGRADE,
            "shadow.py": "def migrate():\n    pass\n",  # defines the name, calls nothing
            "main.py": "import db\n\ndb.migrate()\n",
        },
    )
    found, parsed = _both(tmp_path, rels, monkeypatch)
    assert found.upgrades == (("db.py", 4),)
    assert "shadow.py" not in parsed


def test_an_alias_and_a_hook_registered_elsewhere_are_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rels = _tree(
        tmp_path,
        {
            "db.py": UPGRADE,
            "hooks.py": "from db import migrate as bring_up\n\n"
            "async def on_boot():\n    bring_up()\n",
            "app.py": "from fastapi import FastAPI\nfrom hooks import on_boot\n\n"
            "app = FastAPI(on_startup=[on_boot])\n",
        },
    )
    found, parsed = _both(tmp_path, rels, monkeypatch)
    assert found.upgrades == (("db.py", 4),)
    assert parsed == {"db.py", "hooks.py", "app.py"}


def test_a_later_alias_of_the_same_name_is_read_as_the_full_walk_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aliases are one map over all modules (the later module wins): the module that rebinds
    # ``bring_up`` names it, so it is parsed, and the call in main.py is not a bootstrap call
    rels = _tree(
        tmp_path,
        {
            "a_hooks.py": "from db import migrate as bring_up\n",
            "db.py": UPGRADE,
            "main.py": "from z_other import bring_up\n\nbring_up()\n",
            "z_other.py": "from tools import noop as bring_up\n",
        },
    )
    found, parsed = _both(tmp_path, rels, monkeypatch)
    assert found.upgrades == ()
    assert "z_other.py" in parsed


def test_create_all_guarded_by_an_environment_test_keeps_its_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rels = _tree(
        tmp_path,
        {
            "models.py": "def init_db(engine):\n    Base.metadata.create_all(engine)\n",
            "main.py": "import os\nfrom models import init_db\n\n"
            "if os.environ.get('DEV'):\n    init_db(engine)\n",
        },
    )
    found, _parsed = _both(tmp_path, rels, monkeypatch)
    assert found.creates == (("models.py", 2, True),)
