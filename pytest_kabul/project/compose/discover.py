"""Which compose invocations a project has (part of the compose loader; see compose_load)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from pytest_kabul.model import Severity
from pytest_kabul.project.compose.interpolate import Parsed, parse_dotenv
from pytest_kabul.project.compose.model import ComposeKind
from pytest_kabul.project.core import Project

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
PROD_RE = re.compile(r"^(?:(?:docker-)?compose[._-])?(?:prod|production)(?:[._-]override)?\.ya?ml$")
# Production overlays by name: compose.deploy.yml, docker-compose.prod.ssl.yml, x.production.yml
PROD_FAMILY_RE = re.compile(
    r"^(?:(?:docker-)?compose[._-](?:prod|production|deploy)(?:[._-][\w.-]+)?"
    r"|[\w.-]+\.(?:prod|production))\.ya?ml$"
)
# docker-compose.<stage>.yml: a family of stacks picked by name (run.sh: -f compose.${STAGE}.yml)
STAGE_RE = re.compile(r"^(?:docker-)?compose\.([\w-]+(?:\.[\w-]+)*)\.ya?ml$")
_NOT_A_STAGE = re.compile(
    r"(^|[._-])(dev|develop|development|local|test|tests|testing|ci|e2e|override|debug|"
    r"deps|example|sample|watch)([._-]|$)"
)

# Compose files for tests, examples, docs and dev containers are never what the server runs
# (an integration-test Postgres on 5432 is not a finding); configured compose_files still count.
NOT_DEPLOYED_DIRS = frozenset(
    {
        "test", "tests", "testing", "e2e", "integration-tests", "example", "examples",
        "sample", "samples", "docs", "doc", "fixtures", ".devcontainer", "devcontainer",
    }
)  # fmt: skip


def dir_of(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def join_dir(directory: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(directory, name)) if directory else name


@dataclass(frozen=True)
class Plan:
    """One compose invocation: ``docker compose -f files[0] -f files[1] ... up``."""

    kind: ComposeKind
    directory: str
    files: tuple[str, ...]


def read_env_file(project: Project, rel: str) -> dict[str, str]:
    """The variables of a ``.env``/``env_file`` (empty when absent). Values are secrets: never
    print them."""
    if not project.exists(rel):
        return {}
    text = project.read_text(rel)
    return parse_dotenv(text) if text is not None else {}


def plans(project: Project, parse: Callable[[str], Parsed | None]) -> list[Plan]:
    configured = tuple(posixpath.normpath(f) for f in project.config.compose_files)
    by_dir: dict[str, set[str]] = {}
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        compose = (
            name in BASE_NAMES
            or name in OVERRIDE_NAMES
            or PROD_RE.match(name)
            or PROD_FAMILY_RE.match(name)
            or STAGE_RE.match(name)
        )
        if compose and not NOT_DEPLOYED_DIRS.intersection(rel.split("/")[:-1]):
            by_dir.setdefault(dir_of(rel), set()).add(name)
    plans: list[Plan] = []
    if configured:
        source = project.config.source or "pyproject.toml"
        for outside in sorted(f for f in configured if project.is_outside(f)):
            project.problem(
                source,
                f"[tool.kabul] compose_files: {outside} lies outside the audited root; not read",
                Severity.ERROR,
            )
        configured = tuple(f for f in configured if not project.is_outside(f))
        existing = tuple(f for f in configured if project.exists(f))
        for missing in sorted(set(configured) - set(existing)):
            project.problem(source, f"[tool.kabul] compose_files: {missing} does not exist")
        if existing:
            plans.append(Plan(ComposeKind.PRODUCTION, dir_of(existing[0]), existing))
        by_dir = {dir_of(existing[0]): by_dir.get(dir_of(existing[0]), set())} if existing else {}
    for directory, names in sorted(by_dir.items()):
        base = next((n for n in BASE_NAMES if n in names), None)
        override = next((n for n in OVERRIDE_NAMES if n in names), None)
        env = read_env_file(project, join_dir(directory, ".env"))
        compose_file = env.get("COMPOSE_FILE")
        default: tuple[str, ...] = ()
        if compose_file:
            separator = env.get("COMPOSE_PATH_SEPARATOR") or ":"
            default = tuple(join_dir(directory, f) for f in compose_file.split(separator) if f)
            for outside in (f for f in default if project.is_outside(f)):
                project.problem(
                    join_dir(directory, ".env"),
                    f"COMPOSE_FILE: {outside} lies outside the audited root; not read",
                    Severity.ERROR,
                )
            default = tuple(f for f in default if not project.is_outside(f))
        elif base:
            default = tuple(join_dir(directory, n) for n in (base, override) if n)
        if default and all(project.exists(f) for f in default):
            plans.append(Plan(ComposeKind.DEFAULT, directory, default))
        elif default:
            project.problem(join_dir(directory, ".env"), "COMPOSE_FILE names a missing file")
        if configured:
            continue
        productions = sorted(
            n
            for n in names
            if PROD_RE.match(n)
            or (PROD_FAMILY_RE.match(n) and _is_compose(parse(join_dir(directory, n))))
        )
        if not base and not productions:
            productions = _stages(directory, names, parse)
        if base and override and not productions:
            # The override-file convention: development = base + override (what a bare `up`
            # loads), production = `docker compose -f <base> up` without the override.
            plans.append(Plan(ComposeKind.PRODUCTION, directory, (join_dir(directory, base),)))
        for prod in productions:
            prod_rel = join_dir(directory, prod)
            if base:
                plans.append(
                    Plan(ComposeKind.PRODUCTION, directory, (join_dir(directory, base), prod_rel))
                )
            elif _is_compose(parse(prod_rel)):
                plans.append(Plan(ComposeKind.PRODUCTION, directory, (prod_rel,)))
    unique: dict[tuple[str, ...], Plan] = {}
    for plan in plans:
        if plan.files not in unique or plan.kind is ComposeKind.PRODUCTION:
            unique[plan.files] = plan
    return list(unique.values())


def _stages(directory: str, names: set[str], parse: Callable[[str], Parsed | None]) -> list[str]:
    """A folder of ``docker-compose.<stage>.yml`` stacks and no base file: each complete stack
    (two or more services) whose stage is not for development/tests is a production candidate."""
    out = []
    for name in sorted(names):
        m = STAGE_RE.match(name)
        if m is None or _NOT_A_STAGE.search(m.group(1).lower()):
            continue
        parsed = parse(join_dir(directory, name))
        data = parsed.data if parsed else None
        services = data.get("services") if isinstance(data, dict) else None
        if isinstance(services, dict) and len(services) >= 2:
            out.append(name)
    return out


def _is_compose(parsed: Parsed | None) -> bool:
    data = parsed.data if parsed else None
    return isinstance(data, dict) and ("services" in data or "include" in data)
