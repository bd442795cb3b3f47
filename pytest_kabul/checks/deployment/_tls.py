"""TLS evidence for KAB501: where a reverse proxy shows that it terminates TLS.

Looked for in the compose model (a proxy publishing 443, Traefik entrypoints/cert resolvers and
router ``tls`` labels, caddy-docker-proxy labels, nginx-proxy ``LETSENCRYPT_HOST``, certbot/ACME
companions) and in the proxy's own configuration: files bind-mounted into a proxy service or in
its build context (Caddyfile site addresses, nginx ``listen 443 ssl``/``ssl_certificate``,
Traefik static config, HAProxy ``bind … ssl crt``, Envoy ``DownstreamTlsContext``).
"""

from __future__ import annotations

import re

from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.compose.roles import command_text, is_tls_companion, proxy_kind
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.tls_configs import CONFIG_TLS_RE, caddy_tls

_TRAEFIK_TLS_RE = re.compile(
    r"(certificatesresolvers\.|entrypoints\.\w+\.address=:?443\b|\.tls(\.certresolver)?=|"
    r"\.tls\.options=|--entrypoints\.\w+\.http\.tls)",
    re.IGNORECASE,
)
_CONFIG_NAME_RE = re.compile(
    r"(caddyfile[^/]*|[^/]*\.conf|[^/]*\.conf\.template|[^/]*\.cfg|traefik[^/]*\.(ya?ml|toml)"
    r"|envoy[^/]*\.ya?ml|dynamic[^/]*\.(ya?ml|toml)|[^/]*\.(ya?ml|toml))$",
    re.IGNORECASE,
)


def _config_files(project: Project, service: ComposeService) -> list[str]:
    roots: list[str] = []
    for volume in service.volumes:
        source = volume.split(":", 1)[0]
        if source.startswith("./") or source == ".":
            roots.append(source.removeprefix("./") if source != "." else "")
    if service.build_context is not None and "://" not in service.build_context:
        roots.append("" if service.build_context == "." else service.build_context)
    files: set[str] = set()
    for root in roots:
        if root in project.files:
            files.add(root)
        else:
            files.update(project.files.under(root) if root else ())
    return sorted(f for f in files if _CONFIG_NAME_RE.search(f.rsplit("/", 1)[-1]))


def tls_evidence(project: Project, model: ComposeModel, proxies: list[ComposeService]) -> list[str]:
    """Sorted, human-readable reasons to believe the stack terminates TLS (empty if none)."""
    found: set[str] = set()
    for proxy in proxies:
        if proxy_kind(project, proxy) == "cloudflared":
            found.add(f"{proxy.name} is a Cloudflare tunnel (TLS ends at Cloudflare's edge)")
        if any(443 in p.published_ports() for p in proxy.ports):
            found.add(f"{proxy.name} publishes port 443")
        command = command_text(project, proxy)
        if _TRAEFIK_TLS_RE.search(command) or re.search(r"--from\s+\S*\.", command):
            found.add(f"{proxy.name}'s command configures TLS")
        for rel in _config_files(project, proxy)[:200]:
            text = project.read_text(rel) or ""
            name = rel.rsplit("/", 1)[-1].lower()
            if (name.startswith("caddyfile") and caddy_tls(text)) or (
                not name.startswith("caddyfile") and CONFIG_TLS_RE.search(text)
            ):
                found.add(f"{rel} configures TLS")
    for service in model.started:
        labels = dict(service.labels)
        deploy = service.raw.get("deploy")
        if isinstance(deploy, dict) and isinstance(deploy.get("labels"), dict):
            labels.update({str(k): str(v) for k, v in deploy["labels"].items()})
        for key, value in sorted(labels.items()):
            if (key.startswith("traefik.") and _TRAEFIK_TLS_RE.search(f"{key}={value}")) or (
                key == "caddy" and "." in value and not value.startswith("http://")
            ):
                found.add(f"{service.name} has TLS label {key}")
                break
        if "LETSENCRYPT_HOST" in service.environment:
            found.add(f"{service.name} requests a certificate (LETSENCRYPT_HOST)")
        if is_tls_companion(project, service):
            found.add(f"{service.name} is an ACME/certbot companion")
    return sorted(found)
