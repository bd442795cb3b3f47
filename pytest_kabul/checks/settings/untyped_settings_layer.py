"""KAB204 untyped-settings-layer: the app's configuration is gathered without types or validation.

What it checks
    Per Python app, its settings layers (see KAB201): a starlette ``Config``, python-decouple,
    environs, django-environ or dynaconf module, or a plain configuration module or class whose
    constants are assigned from ``os.getenv``/``os.environ`` reads (``config.py``,
    ``settings.py``, ``configs/*.py``, ``core/config.py``, a class body of getenv calls). An app
    whose configuration lives in such an untyped layer gets one finding naming the layer and the
    number of variables it reads. An app with no settings layer at all that reads more than a
    handful of variables directly gets one finding listing the modules that read them (KAB201
    reports each of those reads). Apps whose layers are typed (a pydantic-settings class, a
    typed configuration class) pass.

Why it matters
    An untyped layer is one place to look, but nothing checks it: a required value that is
    missing is ``None`` or a hardcoded default, ``"false"`` is a true string, a malformed port
    fails on the first request instead of at start-up. A typed Settings class validates every
    value when the app starts, reads ``.env`` files, keeps secrets out of reprs (``SecretStr``)
    and documents the contract in one class.

Example
    ``KAB204 backend/app/config.py:4 backend gathers its configuration in backend/app/config.py
    (starlette Config module), reading 14 variables without a typed, validated settings class``



Before
    ``requirements.txt``::

        fastapi
        starlette

    ``app/config.py``::

        from starlette.config import Config

        config = Config(".env")
        DATABASE_URL = config("DATABASE_URL")
        SECRET_KEY = config("SECRET_KEY")

    ``app/main.py``::

        from fastapi import FastAPI

        from app.config import DATABASE_URL

        app = FastAPI()

After
    ``requirements.txt``::

        fastapi
        pydantic-settings

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str
            secret_key: str


        settings = Settings()

    ``app/main.py``::

        from fastapi import FastAPI

        from app.config import settings

        app = FastAPI()

Fix
    Move the variables into a pydantic-settings ``BaseSettings`` class with typed fields
    (required values without a default), instantiate it once at start-up and read
    ``settings.<field>`` instead of the module constants.
"""

from __future__ import annotations

from collections import defaultdict

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.settings.envreads import EnvRead, outside_settings
from pytest_kabul.project.python.settings.layers import SettingsLayer, layers_of
from pytest_kabul.project.python.settings.platform import platform_reason
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB204",
    name="untyped-settings-layer",
    area=Area.SETTINGS,
    severity=Severity.WARNING,
    summary="The app's configuration is read without a typed, validated Settings class.",
    doc=__doc__,
)

HANDFUL = 5
TYPED_ADDS = (
    "a typed Settings class would validate every value at start-up (a missing or malformed"
    " value stops the app with a clear error), read .env files and keep secrets in SecretStr"
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _untyped(app: str, untyped: list[SettingsLayer], typed: list[SettingsLayer]) -> Finding:
    first = untyped[0]
    names = sorted({v for layer in untyped for v in layer.variables})
    beside = f", beside its typed layer {typed[0].label}" if typed else ""
    where = "; ".join(layer.label for layer in untyped)
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=app,
        message=(
            f"{app} gathers its configuration in an untyped settings layer{beside}: {where},"
            f" reading {_plural(len(names), 'variable')} without a typed, validated settings"
            f" class; {TYPED_ADDS}"
        ),
        remediation=(
            f"Move the variables of {first.path} into a pydantic-settings BaseSettings class with"
            " typed fields (required values without a default), instantiate it once at start-up"
            " and read settings.<field> instead."
        ),
        location=Location(first.path, first.line),
        evidence=(
            Evidence(
                title="settings layers",
                text="\n".join(
                    f"{layer.path}:{layer.line} {layer.kind.value}:"
                    f" {_plural(len(layer.variables), 'variable')}"
                    + (f" ({', '.join(layer.variables)})" if layer.variables else "")
                    for layer in untyped
                ),
            ),
        ),
    )


def _scattered(app: str, reads: list[EnvRead]) -> Finding:
    modules: dict[str, set[str]] = defaultdict(set)
    for read in reads:
        modules[read.path].update(read.names)
    names = sorted({n for r in reads for n in r.names})
    first = min(reads)
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=app,
        message=(
            f"{app} has no settings layer: it reads {_plural(len(names), 'variable')} directly"
            f" from the environment in {_plural(len(modules), 'module')}; {TYPED_ADDS}"
        ),
        remediation=(
            f"Introduce a pydantic-settings BaseSettings class in {app} declaring these variables"
            " as typed fields and read them from the one settings instance."
        ),
        location=Location(first.path, first.line),
        evidence=(
            Evidence(
                title="modules reading the environment",
                text="\n".join(f"{p}: {', '.join(sorted(v))}" for p, v in sorted(modules.items())),
            ),
        ),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = python_apps(project)
    if not apps:
        return Evaluation.skip("no Python app found")
    reads: dict[str, list[EnvRead]] = defaultdict(list)
    for read in outside_settings(project):
        if read.resolved and not all(platform_reason(n) for n in read.names):
            reads[read.app].append(read)
    subjects: list[str] = []
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    for app in apps:
        layers = layers_of(project, app.name)
        biggest = sorted(layers, key=lambda x: (-len(x.variables), x.path, x.line))
        typed = [layer for layer in biggest if layer.typed]
        untyped = [layer for layer in biggest if not layer.typed]
        if not layers and not reads[app.name]:
            continue
        subjects.append(app.name)
        if untyped:
            findings.append(_untyped(app.name, untyped, typed))
        elif typed:
            notes[app.name] = f"configuration is read through {typed[0].label}"
        elif len({n for r in reads[app.name] for n in r.names}) > HANDFUL:
            findings.append(_scattered(app.name, reads[app.name]))
        else:
            notes[app.name] = f"{app.name} reads only a handful of variables (KAB201 judges them)"
    if not subjects:
        return Evaluation.skip("no Python app reads the environment")
    failing = {f.subject for f in findings}
    return Evaluation.build(
        subjects=subjects,
        findings=findings,
        notes={k: v for k, v in notes.items() if k not in failing},
    )
