"""KAB501 no-reverse-proxy: app ports reach the internet without a TLS-terminating proxy.

What it checks
    Per compose model (the production invocation, e.g.
    ``docker-compose.yml+docker-compose.prod.yml``, and what a bare ``docker compose up``
    starts): is there a reverse proxy service (Traefik,
    Caddy, nginx, nginx-proxy, HAProxy, Envoy, SWAG, cloudflared …, by image or by the base
    image of its Dockerfile) with evidence that it terminates TLS (it publishes 443, Traefik
    entrypoints/cert resolvers/router ``tls`` labels, a Caddyfile site address, nginx
    ``listen 443 ssl``, HAProxy ``bind :443 ssl``, certbot/ACME companions)? And do app services
    (uvicorn/gunicorn/Next.js/node, anything built from the project's source, or a service whose
    start path runs an ASGI/WSGI server, also through supervisord or a Procfile runner) publish
    their ports on a non-loopback address?

    - no TLS-terminating proxy while apps publish their ports: ERROR;
    - a TLS-terminating proxy, but apps are still published directly: WARNING (bypasses TLS
      and the proxy);
    - a proxy without any TLS evidence, apps not published: WARNING;
    - no proxy service, but the repository holds a TLS-terminating nginx/Caddy configuration
      for the host (``deploy/nginx/site.conf``) and apps are published on all interfaces:
      WARNING (they bypass the host proxy).

    Development stacks (a service started with ``--reload``, ``next dev`` …) are skipped with
    that reason. ``[tool.kabul] tls_terminated_by = "…"`` (a PaaS edge, a cloud load balancer)
    skips the check with that reason.

Why it matters
    Without TLS, cookies, tokens and passwords cross the network in clear text, and every app
    needs its own port and domain routing. A published app port next to the proxy is a second,
    unencrypted way in that skips the proxy's TLS, headers and rate limits.

Example
    ``docker-compose.yml:27 no TLS-terminating reverse proxy, and api, frontend, admin publish
    their ports to the host (8000, 3000, 3001)``

Before
    ``docker-compose.yml``::

        services:
          api:
            build: .
            command: uvicorn app.main:app --host 0.0.0.0
            ports:
              - "8000:8000"

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

After
    ``docker-compose.yml``::

        services:
          caddy:
            image: caddy:2
            ports:
              - "80:80"
              - "443:443"
            volumes:
              - ./Caddyfile:/etc/caddy/Caddyfile:ro
          api:
            build: .
            command: uvicorn app.main:app --host 0.0.0.0
            expose:
              - "8000"

    ``Caddyfile``::

        shop.example.com {
            reverse_proxy api:8000
        }

Fix
    Add a Traefik/Caddy/nginx service that publishes only 80/443 and terminates TLS (ACME), route
    the apps through it, and remove the apps' ``ports:`` (or bind them to ``127.0.0.1``).
"""

from __future__ import annotations

from pytest_kabul.checks.deployment._templates import no_compose_reason
from pytest_kabul.checks.deployment._tls import tls_evidence
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService, PortMapping
from pytest_kabul.project.compose.roles import dev_reason, is_app, proxy_kind, public_ports
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.deploy.tls_configs import host_proxy_configs
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB501",
    name="no-reverse-proxy",
    area=Area.DEPLOYMENT,
    severity=Severity.ERROR,
    summary="App ports are published without a TLS-terminating reverse proxy in front.",
    doc=__doc__,
)


def _ports_text(ports: tuple[PortMapping, ...]) -> str:
    return ", ".join(p.published or p.target for p in ports)


def _location(service: ComposeService, key: str) -> Location:
    path, line = service.where(key)
    return Location(path, line)


def judge(project: Project, model: ComposeModel) -> tuple[list[Finding], str]:
    """The findings for one model and a note explaining a pass."""
    started = model.started
    proxies = [s for s in started if proxy_kind(project, s)]
    servers = {p.subject for p in start_paths(project) if p.server is not None}
    exposed = [
        (s, public_ports(s))
        for s in started
        if (is_app(project, s) or f"{model.subject}:{s.name}" in servers) and public_ports(s)
    ]
    exposed.sort(key=lambda item: (item[0].where("ports")[0], item[0].where("ports")[1] or 0))
    subject = model.subject
    lines = "\n".join(
        f"{s.name}: {', '.join(str(p) for p in ports)} (non-loopback)" for s, ports in exposed
    )
    names = ", ".join(s.name for s, _ in exposed)
    publish = "publishes its ports" if len(exposed) == 1 else "publish their ports"
    if not proxies and not exposed:
        return [], "no app service publishes a port to the host"
    evidence = tls_evidence(project, model, proxies) if proxies else []
    proxy_names = ", ".join(f"{s.name} ({proxy_kind(project, s)})" for s in proxies)
    host = host_proxy_configs(project) if not proxies else ()
    if exposed and not proxies and host:
        first = exposed[0][0]
        message = (
            f"{names} {publish} to the host, bypassing the host's TLS proxy ({', '.join(host[:3])})"
        )
        fix = (
            f"Bind the 'ports:' of {names} in {first.where('ports')[0]} to 127.0.0.1"
            ' ("127.0.0.1:8000:8000") so only the host proxy can reach them.'
        )
        return [_finding(Severity.WARNING, subject, message, fix, first, lines)], ""
    if exposed and not evidence:
        first = exposed[0][0]
        what = (
            "no reverse proxy"
            if not proxies
            else f"the proxy {proxy_names} shows no TLS termination"
        )
        message = (
            f"{what}, and {names} {publish} to the host"
            f" ({', '.join(_ports_text(p) for _, p in exposed)})"
        )
        fix = (
            f"Add a TLS-terminating reverse proxy (Traefik, Caddy or nginx with ACME) to"
            f" {model.files[-1]} that publishes only 80/443, route {names} through it and remove"
            f" their 'ports:' (or bind them to 127.0.0.1); if TLS ends before the host, set"
            f' [tool.kabul] tls_terminated_by = "<what terminates it>".'
        )
        return [_finding(Severity.ERROR, subject, message, fix, first, lines)], ""
    if exposed:
        first = exposed[0][0]
        message = (
            f"{names} {publish} to the host next to the proxy {proxy_names},"
            " bypassing TLS and the proxy"
        )
        fix = (
            f"Remove the 'ports:' of {names} in {first.where('ports')[0]} (the proxy reaches"
            " them on the compose network), or bind them to 127.0.0.1."
        )
        return [_finding(Severity.WARNING, subject, message, fix, first, lines)], ""
    if not evidence:
        proxy = proxies[0]
        message = f"the reverse proxy {proxy_names} shows no TLS termination"
        fix = (
            f"Terminate TLS in {proxy.name}: publish 443 with certificates (an ACME resolver,"
            ' a Caddy site address, nginx "listen 443 ssl"), or set [tool.kabul]'
            ' tls_terminated_by = "<what terminates it>".'
        )
        return [_finding(Severity.WARNING, subject, message, fix, proxy, "")], ""
    return [], f"TLS terminated by {proxy_names}: {'; '.join(evidence)}"


def _finding(
    severity: Severity, subject: str, message: str, fix: str, at: ComposeService, text: str
) -> Finding:
    evidence = (Evidence(title="published app ports", text=text),) if text else ()
    return Finding(
        code=check.code,
        severity=severity,
        subject=subject,
        message=message,
        remediation=fix,
        location=_location(at, "ports"),
        evidence=evidence,
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:

    models = compose_models(project)
    if not models:
        return Evaluation.skip(no_compose_reason(project))
    opt_out = project.config.tls_terminated_by
    skipped: dict[str, str] = {}
    notes: dict[str, str] = {}
    findings: list[Finding] = []
    subjects: list[str] = []
    for model in models:
        if opt_out:
            skipped[model.subject] = (
                f"TLS is terminated by {opt_out} ([tool.kabul] tls_terminated_by)"
            )
            continue
        dev = dev_reason(project, model)
        if dev:
            skipped[model.subject] = f"development stack: {dev}"
            continue
        found, note = judge(project, model)
        subjects.append(model.subject)
        findings.extend(found)
        if note:
            notes[model.subject] = note
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped, notes=notes)
