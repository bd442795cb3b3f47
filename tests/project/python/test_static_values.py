"""Static resolution of queue-name expressions (literals, constants, imports, env defaults)."""

from __future__ import annotations

import ast

from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.static_values import StringResolver
from tests.helpers import MakeProject


def test_resolves_constants_imports_class_attributes_and_env_defaults(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "requirements.txt": "celery\n",
            "app/__init__.py": "",
            "app/names.py": (
                "import os\nPREFIX = os.getenv('QUEUE_PREFIX', 'shop')\n"
                "class Queues:\n    SLOW = 'slow'\n"
            ),
            "app/use.py": (
                "from app.names import PREFIX, Queues\n"
                "A = f'{PREFIX}.fast'\nB = PREFIX + '.' + Queues.SLOW\nC = pick()\n"
            ),
        }
    )
    resolver = StringResolver(project, python_apps(project)[0])

    def value(name: str) -> str | None:
        return resolver.resolve(ast.parse(name, mode="eval").body, "app/use.py")

    assert value("A") == "shop.fast"
    assert value("B") == "shop.slow"
    assert value("C") is None
    assert value("'literal'") == "literal"


def test_class_attributes_are_read_only_from_files_naming_them(make_project: MakeProject) -> None:
    project = make_project(
        {
            "requirements.txt": "celery\n",
            "app/__init__.py": "",
            "app/queues.py": "class Queues:\n    SLOW: str = 'slow'\n    FAST = 'fast'\n",
            "app/other.py": "class Other:\n    SLOW = 'other'\n",
            "app/plain.py": "SLOW = 'module level, not a class attribute'\n",
            "app/unrelated.py": "class Unrelated:\n    MEDIUM = 'medium'\n",
        }
    )
    resolver = StringResolver(project, python_apps(project)[0])
    found = resolver.class_attrs("SLOW")
    assert sorted((rel, ast.unparse(expr)) for rel, expr in found) == [
        ("app/other.py", "'other'"),
        ("app/queues.py", "'slow'"),
    ]
    assert "app/unrelated.py" not in project._trees  # never parsed: it does not name SLOW
    again = StringResolver(project, python_apps(project)[0])
    assert again.class_attrs("SLOW") is found  # once per app and name, whichever resolver asks
    assert resolver.resolve(ast.parse("Queues.FAST", mode="eval").body, "app/use.py") == "fast"
    assert resolver.resolve(ast.parse("Queues.SLOW", mode="eval").body, "app/use.py") is None
