"""How many app processes a deployment runs, and whether the server trusts every proxy.

``process_facts(project)`` lists every place that configures more than one process serving the
same app: uvicorn ``--workers N``, gunicorn ``-w/--workers N`` (also ``workers = N`` in a
``gunicorn.conf.py``), ``WEB_CONCURRENCY`` (compose ``environment`` or Dockerfile ``ENV``), and
compose ``deploy.replicas`` / ``scale`` of a service that is built from the app.
``trusted_proxy_facts(project)`` lists ``--forwarded-allow-ips '*'`` and
``FORWARDED_ALLOW_IPS=*``; ``published_app_ports(project)`` the compose services built from a
Python app whose ports are reachable from other hosts.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.asgi import server_commands
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.python.apps import python_apps

GUNICORN_CONF = re.compile(r"^gunicorn(?:[._-]?conf(?:ig)?)?\.py$")


@dataclass(frozen=True, order=True)
class ProcessFact:
    location: Location
    count: int
    description: str  # e.g. "uvicorn --workers 4"


def _services(project: Project) -> list[tuple[ComposeModel, ComposeService]]:
    out: list[tuple[ComposeModel, ComposeService]] = []
    for model in compose_models(project):
        for service in model.services.values():
            if model.is_started(service):
                out.append((model, service))
    return out


def built_from(project: Project, service: ComposeService) -> str | None:
    """The project-relative build context of a service ("" for the root), or None."""
    if service.build_context is None:
        return None
    rel = project.rel(project.root / service.build_context)
    return "" if rel == "." else rel


def _int(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _env_assignments(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)[= ]\"?([^\s\"]+)\"?", text):
        out.setdefault(match.group(1), match.group(2))
    return out


@facet
def process_facts(project: Project) -> tuple[ProcessFact, ...]:
    facts: set[ProcessFact] = set()
    for found in server_commands(project):
        workers = found.command.workers
        if workers is not None and workers > 1:
            flag = "-w" if found.command.program == "gunicorn" else "--workers"
            facts.add(
                ProcessFact(found.location, workers, f"{found.command.program} {flag} {workers}")
            )
    for dockerfile in dockerfiles(project):
        for stage in dockerfile.stage_chain():
            for instruction in stage.all("ENV"):
                value = _int(_env_assignments(instruction.value).get("WEB_CONCURRENCY"))
                if value is not None and value > 1:
                    where = Location(dockerfile.path, instruction.line)
                    facts.add(ProcessFact(where, value, f"WEB_CONCURRENCY={value}"))
    app_roots = {a.root for a in python_apps(project)}
    for _model, service in _services(project):
        file, line = service.file, service.line
        replicas = service.replicas
        built_here = built_from(project, service) in app_roots
        if built_here and isinstance(replicas, int) and replicas > 1:
            name = service.name
            facts.add(ProcessFact(Location(file, line), replicas, f"{name}: {replicas} replicas"))
        env = service.environment
        value = _int(env.get("WEB_CONCURRENCY"))
        if value is not None and value > 1:
            facts.add(ProcessFact(Location(file, line), value, f"WEB_CONCURRENCY={value}"))
    for rel in gunicorn_configs(project):
        tree = project.parse_python(rel)
        for stmt in tree.body if tree else []:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "workers" for t in stmt.targets)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, int)
                and stmt.value.value > 1
            ):
                count = stmt.value.value
                facts.add(ProcessFact(Location(rel, stmt.lineno), count, f"workers = {count}"))
    return tuple(sorted(facts))


def gunicorn_configs(project: Project) -> list[str]:
    """Python files named like a gunicorn config (``gunicorn.conf.py``, ``gunicorn_conf.py``,
    ``gunicorn_config.py``, ``gunicorn.py``): read, never imported."""
    return [rel for rel in project.files if GUNICORN_CONF.match(rel.rsplit("/", 1)[-1])]


def _trusts_all(value: str | None) -> bool:
    return "*" in {part.strip(" '\"") for part in (value or "").split(",")}


@facet
def trusted_proxy_facts(project: Project) -> tuple[tuple[Location, str], ...]:
    """Every place the production server is told to trust ``X-Forwarded-For`` from any sender:
    ``--forwarded-allow-ips '*'`` (uvicorn, gunicorn), ``FORWARDED_ALLOW_IPS=*`` (Dockerfile
    ``ENV``, compose ``environment``), ``forwarded_allow_ips = "*"`` in a gunicorn config."""
    facts: set[tuple[Location, str]] = set()
    for found in server_commands(project):
        if _trusts_all(found.command.forwarded_allow_ips):
            facts.add((found.location, f"{found.command.program} --forwarded-allow-ips '*'"))
    for rel in gunicorn_configs(project):
        tree = project.parse_python(rel)
        for stmt in tree.body if tree else []:
            if (
                isinstance(stmt, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "forwarded_allow_ips" for t in stmt.targets
                )
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
                and _trusts_all(stmt.value.value)
            ):
                facts.add((Location(rel, stmt.lineno), 'gunicorn forwarded_allow_ips = "*"'))
    for dockerfile in dockerfiles(project):
        for stage in dockerfile.stage_chain():
            for instruction in stage.all("ENV"):
                value = _env_assignments(instruction.value).get("FORWARDED_ALLOW_IPS")
                if _trusts_all(value):
                    facts.add(
                        (Location(dockerfile.path, instruction.line), "FORWARDED_ALLOW_IPS=*")
                    )
    for _model, service in _services(project):
        env = service.environment
        if _trusts_all(env.get("FORWARDED_ALLOW_IPS")):
            where = Location(service.file, service.line)
            facts.add((where, "FORWARDED_ALLOW_IPS=*"))
    return tuple(sorted(facts))


@facet
def published_app_ports(project: Project) -> tuple[tuple[Location, str], ...]:
    """Compose services built from a Python app that publish a port on all interfaces."""
    app_roots = {a.root for a in python_apps(project)}
    out: set[tuple[Location, str]] = set()
    for _model, service in _services(project):
        if built_from(project, service) not in app_roots:
            continue
        for port in service.ports:
            if port.public:
                where = Location(service.file, service.line)
                out.add((where, f"{service.name} publishes {port}"))
    return tuple(sorted(out))
