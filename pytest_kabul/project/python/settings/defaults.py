"""Literal defaults of Settings fields (``API_V1_PREFIX: str = "/api/v1"``), by field name.

The settings facet records only the *kind* of a default (never its value, which may be a
secret); a few checks need a non-secret literal such as a URL prefix or a limiter storage
scheme. ``literal_default`` reads it from the field's own declaration, only for string
literals; callers must never put the value of a secret-looking field in a message.
"""

from __future__ import annotations

import ast

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.settings.classes import settings_classes


def literal_default(project: Project, attribute: str) -> str | None:
    for cls in settings_classes(project):
        for field in cls.fields:
            if field.name != attribute:
                continue
            tree = project.parse_python(field.path)
            for node in ast.walk(tree) if tree else ():
                if (
                    isinstance(node, ast.AnnAssign)
                    and node.lineno == field.line
                    and isinstance(node.target, ast.Name)
                    and node.target.id == attribute
                ):
                    value = node.value
                    if isinstance(value, ast.Call) and value.args:  # Field("x", ...)
                        value = value.args[0]
                    elif isinstance(value, ast.Call):
                        value = next((k.value for k in value.keywords if k.arg == "default"), None)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        return value.value
    return None
