"""KAB506 docs-exposed-in-production: FastAPI serves its OpenAPI schema in production.

What it checks
    Every ``FastAPI(...)`` in the runtime code of a production app
    (``project/deploy/api_docs.py``), with the production state of ``docs_url``,
    ``redoc_url`` and ``openapi_url`` (keywords, ``**kwargs`` built from a dict literal or a
    settings property, settings fields and the validators that rewrite them). Two findings:

    - the docs are disabled (``None``) or guarded for production but ``openapi_url`` is left
      enabled: the schema the team meant to hide is still public at ``/openapi.json``;
    - all three are enabled with no production guard (no conditional on a settings field or
      an environment variable such as ``ENVIRONMENT``/``DEBUG``/``is_production``, and no
      branch around the ``FastAPI(...)`` call), in an app a production server runs: its module
      is named by the server command of a production Dockerfile, compose service, Procfile or
      PaaS start command (``uvicorn app.main:app``, ``uvicorn.run("app.main:app")``), or
      reached from the program that starts a server with an app object (``uvicorn.run(app)``).
      Status servers and CLI helpers a library starts from its own code are not judged.

    An app whose ``openapi_url`` is off serves neither (FastAPI adds the docs routes only with a
    schema) and passes. A value this reader cannot follow (a call, an unresolved ``**kwargs``)
    is skipped with that reason.

Why it matters
    The schema lists every route, parameter and model, including admin and internal endpoints
    that the frontend never links: a map for anyone probing the API. Hiding ``/docs`` while
    ``/openapi.json`` stays public hides nothing (any Swagger UI renders it).

Example
    ``app/main.py:9 openapi_url stays enabled (FastAPI's default /openapi.json) while docs_url
    is guarded for production (None if settings.ENVIRONMENT == 'production' else '/docs')``

Before
    ``requirements.txt``::

        fastapi
        uvicorn

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install -r requirements.txt
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``app/main.py``::

        import os

        from fastapi import FastAPI

        prod = os.environ.get("ENVIRONMENT") == "production"
        app = FastAPI(docs_url=None if prod else "/docs", redoc_url=None if prod else "/redoc")

After
    ``app/main.py``::

        import os

        from fastapi import FastAPI

        prod = os.environ.get("ENVIRONMENT") == "production"
        app = FastAPI(
            docs_url=None if prod else "/docs",
            redoc_url=None if prod else "/redoc",
            openapi_url=None if prod else "/openapi.json",
        )

Fix
    Guard ``openapi_url`` with the same production condition as the docs (``openapi_url=None
    if settings.ENVIRONMENT == "production" else "/openapi.json"``), or serve docs and schema
    only behind authentication. If the API is public on purpose, waive this check with that
    reason.

Options
    Opt-in (``--kabul-select KAB506``). Measured on the development corpus (8 public
    repositories, ``bench/corpus/``): 4 findings, 0 judged real, 0 false, 4 debatable (APIs
    that publish their docs on purpose: mem0's REST API, agenta's platform API, AgentGPT's
    explicit ``/api/docs``, an example app); precision cannot be shown without a true positive,
    so it stays off by default until it is.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.api_docs import DocsApp, State, api_docs_apps
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB506",
    name="docs-exposed-in-production",
    area=Area.DEPLOYMENT,
    severity=Severity.WARNING,
    summary="A FastAPI app serves its OpenAPI schema (and docs) in production.",
    doc=__doc__,
    opt_in=True,
)

_HIDDEN = (State.DISABLED, State.GUARDED)


def _evidence(found: DocsApp) -> Evidence:
    return Evidence(
        title="docs settings",
        text="\n".join(f"{k}: {u.state.value} ({u.via})" for k, u in found.urls.items()),
    )


def _finding(found: DocsApp, message: str) -> Finding:
    return Finding(
        code=check.code,
        severity=Severity.WARNING,
        subject=found.subject,
        message=message,
        remediation=(
            f"In {found.location}, set openapi_url (and docs_url, redoc_url) to None in"
            " production with the same guard (openapi_url=None if settings.ENVIRONMENT =="
            ' "production" else "/openapi.json"), or serve them only behind authentication.'
        ),
        location=found.location,
        evidence=(_evidence(found),),
    )


def judge(found: DocsApp) -> tuple[Finding | None, str | None]:
    """(finding, reason it cannot be judged) for one app."""
    schema = found.urls["openapi_url"]
    ui = {k: found.urls[k] for k in ("docs_url", "redoc_url")}
    if schema.state in _HIDDEN:
        return None, None
    if schema.state is State.UNKNOWN:
        return None, f"openapi_url is computed at run time ({schema.via})"
    hidden = [k for k, u in ui.items() if u.state in _HIDDEN]
    guarded = any(u.state is State.GUARDED for u in ui.values())
    if guarded or len(hidden) == len(ui):
        what = " and ".join(f"{k} is {ui[k].state.value} ({ui[k].via})" for k in hidden)
        return (
            _finding(
                found,
                f"openapi_url stays enabled ({schema.via}) while {what}: the schema is still"
                " public in production",
            ),
            None,
        )
    unknown = [k for k, u in ui.items() if u.state is State.UNKNOWN]
    if unknown:
        return None, f"{unknown[0]} is computed at run time ({ui[unknown[0]].via})"
    if found.conditional or not found.served:
        return None, None
    served = ", ".join(f"{k} ({u.via})" for k, u in found.urls.items() if u.state is State.ENABLED)
    return (
        _finding(found, f"docs and schema are served with no production guard: {served}"),
        None,
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = api_docs_apps(project)
    if not apps:
        return Evaluation.skip("no FastAPI app in the production code")
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    for found in apps:
        finding, why_not = judge(found)
        if why_not is not None:
            skipped[found.subject] = f"cannot judge: {why_not}"
            continue
        subjects.append(found.subject)
        if finding is not None:
            findings.append(finding)
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
