"""Legacy and non-PEP 621 manifests: ``setup.cfg``, literal ``setup()`` calls, ``Pipfile``.

Split from :mod:`pytest_kabul.project.python.manifests.model` (same data model, same Problem rules).
"""

from __future__ import annotations

import ast
import configparser

from packaging.utils import canonicalize_name

from pytest_kabul.project.core import Project, ini_error
from pytest_kabul.project.python.manifests.model import (
    MAIN,
    Builder,
    Declared,
    DepKind,
    Manifest,
    ManifestKind,
    sorted_decls,
)


def parse_setup_cfg(project: Project, path: str) -> Manifest | None:
    text = project.read_text(path)
    if text is None:
        return None
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        project.problem(path, f"invalid INI: {ini_error(exc)}")
        return None
    b = Builder(project, path, text)

    def lines_of(value: str) -> list[str]:
        return [ln.split(" #")[0].strip() for ln in value.splitlines() if ln.strip()]

    if parser.has_option("options", "install_requires"):
        for req in lines_of(parser.get("options", "install_requires")):
            b.req(req, DepKind.RUNTIME, MAIN)
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            for req in lines_of(value):
                b.req(req, DepKind.EXTRA, str(canonicalize_name(extra)))
    if parser.has_option("options", "tests_require"):
        for req in lines_of(parser.get("options", "tests_require")):
            b.req(req, DepKind.GROUP, "test")
    name = parser.get("metadata", "name") if parser.has_option("metadata", "name") else None
    return Manifest(
        path,
        ManifestKind.SETUP_CFG,
        sorted_decls(b.deps),
        project_name=str(canonicalize_name(name)) if name else None,
        style="setup.cfg",
    )


def parse_setup_py(project: Project, path: str) -> Manifest | None:
    tree = project.parse_python(path)
    text = project.read_text(path)
    if tree is None or text is None:
        return None
    b = Builder(project, path, text)
    # A setup.py is built with setuptools (implicitly, without a pyproject build-system).
    b.deps.append(Declared("setuptools", path, None, DepKind.GROUP, "build-system", "setuptools"))
    name: str | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if fname != "setup":
            continue
        for kw in node.keywords:
            try:
                value = ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            if kw.arg == "name" and isinstance(value, str):
                name = value
            elif kw.arg == "install_requires" and isinstance(value, list | tuple):
                for req in value:
                    b.req(req, DepKind.RUNTIME, MAIN, kw.value.lineno)
            elif kw.arg == "extras_require" and isinstance(value, dict):
                for extra, reqs in value.items():
                    for req in reqs if isinstance(reqs, list | tuple) else []:
                        b.req(
                            req, DepKind.EXTRA, str(canonicalize_name(str(extra))), kw.value.lineno
                        )
    return Manifest(
        path,
        ManifestKind.SETUP_PY,
        sorted_decls(b.deps),
        project_name=str(canonicalize_name(name)) if name else None,
        style="setup.py",
    )


def parse_pipfile(project: Project, path: str) -> Manifest | None:
    data = project.read_toml(path)
    text = project.read_text(path)
    if data is None or text is None:
        return None
    b = Builder(project, path, text)
    for section, kind, group in (
        ("packages", DepKind.RUNTIME, MAIN),
        ("dev-packages", DepKind.GROUP, "dev"),
    ):
        table = data.get(section)
        if isinstance(table, dict):
            for name in table:
                b.named(str(name), kind, group)
    return Manifest(path, ManifestKind.PIPFILE, sorted_decls(b.deps), style="pipenv")
