"""``pyproject.toml`` manifests: PEP 621 dependencies and extras, PEP 735 groups, Poetry, uv,
pdm."""

from __future__ import annotations

from packaging.utils import canonicalize_name

from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.manifests.model import (
    MAIN,
    Builder,
    DepKind,
    Manifest,
    ManifestKind,
    sorted_decls,
)


def _reqs(builder: Builder, values: object, kind: DepKind, group: str) -> None:
    if isinstance(values, list):
        for value in values:
            builder.req(value, kind, group)


def _groups_735(builder: Builder, groups: dict[str, object]) -> None:
    def expand(name: str, seen: frozenset[str]) -> list[str]:
        out: list[str] = []
        items = groups.get(name)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
                inc = item["include-group"]
                if inc not in seen:
                    out.extend(expand(inc, seen | {inc}))
        return out

    for name in groups:
        for text in expand(name, frozenset({name})):
            builder.req(text, DepKind.GROUP, name)


def _poetry_table(builder: Builder, table: object, kind: DepKind, group: str) -> list[str]:
    optional: list[str] = []
    if not isinstance(table, dict):
        return optional
    for name, spec in table.items():
        if not isinstance(name, str) or name.lower() == "python":
            continue
        extras: tuple[str, ...] = ()
        if isinstance(spec, dict):
            raw = spec.get("extras")
            extras = (
                tuple(sorted(e for e in raw if isinstance(e, str))) if isinstance(raw, list) else ()
            )
            if spec.get("optional") is True and kind is DepKind.RUNTIME:
                optional.append(name)
                continue
        builder.named(name, kind, group, extras)
    return optional


_TABLES = ("project", "build-system", "tool", "dependency-groups")


def parse_pyproject(project: Project, path: str) -> Manifest | None:
    data = project.read_toml(path)
    text = project.read_text(path)
    if data is None or text is None:
        return None
    wrong = [k for k in _TABLES if k in data and not isinstance(data[k], dict)]
    if wrong:  # pip and every build backend refuse such a file: its dependencies are unknown
        for key in wrong:
            project.problem(
                path,
                f"`{key}` must be a table, not a {type(data[key]).__name__}: the file cannot"
                " be read as a manifest (pip would refuse to build it)",
                Severity.ERROR,
            )
        return None
    b = Builder(project, path, text)
    style = ""
    name: str | None = None
    pep621 = data.get("project")
    if isinstance(pep621, dict):
        style = "pep621"
        name = pep621.get("name") if isinstance(pep621.get("name"), str) else None
        _reqs(b, pep621.get("dependencies"), DepKind.RUNTIME, MAIN)
        optional = pep621.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, values in optional.items():
                _reqs(b, values, DepKind.EXTRA, str(canonicalize_name(extra)))
    build = data.get("build-system")
    if isinstance(build, dict):
        _reqs(b, build.get("requires"), DepKind.GROUP, "build-system")
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        _groups_735(b, groups)
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        style = style or "poetry"
        if name is None and isinstance(poetry.get("name"), str):
            name = poetry["name"]
        optional_names = _poetry_table(b, poetry.get("dependencies"), DepKind.RUNTIME, MAIN)
        extras = poetry.get("extras")
        in_extra: set[str] = set()
        if isinstance(extras, dict):
            for extra, members in extras.items():
                for member in members if isinstance(members, list) else []:
                    if isinstance(member, str):
                        in_extra.add(member)
                        b.named(member, DepKind.EXTRA, str(canonicalize_name(extra)))
        for leftover in optional_names:
            if leftover not in in_extra:
                b.named(leftover, DepKind.EXTRA, "")
        _poetry_table(b, poetry.get("dev-dependencies"), DepKind.GROUP, "dev")
        pgroups = poetry.get("group")
        if isinstance(pgroups, dict):
            for gname, gtable in pgroups.items():
                if isinstance(gtable, dict):
                    _poetry_table(b, gtable.get("dependencies"), DepKind.GROUP, str(gname))
    uv = tool.get("uv")
    if isinstance(uv, dict):
        style = style or "uv"
        _reqs(b, uv.get("dev-dependencies"), DepKind.GROUP, "dev")
    pdm = tool.get("pdm")
    if isinstance(pdm, dict) and isinstance(pdm.get("dev-dependencies"), dict):
        for gname, values in pdm["dev-dependencies"].items():
            _reqs(b, values, DepKind.GROUP, str(gname))
    if isinstance(uv, dict) and style == "pep621":
        style = "uv" if "dev-dependencies" in uv or isinstance(groups, dict) else style
    return Manifest(
        path,
        ManifestKind.PYPROJECT,
        sorted_decls(b.deps),
        project_name=str(canonicalize_name(name)) if name else None,
        style=style or "tools-only",
    )
