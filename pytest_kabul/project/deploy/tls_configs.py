"""TLS in proxy configuration files: Caddyfile site addresses, nginx ``listen 443 ssl`` /
``ssl_certificate``, Traefik static config, HAProxy ``bind … ssl crt``, Envoy
``DownstreamTlsContext``; and :func:`host_proxy_configs`, the nginx/Caddy configurations in the
repository that terminate TLS for a proxy running on the host (outside compose).
"""

from __future__ import annotations

import re

from pytest_kabul.project.core import Project, facet

CONFIG_TLS_RE = re.compile(
    r"(^\s*listen\s+[^;]*\b(443|ssl)\b|^\s*ssl_certificate\s|^\s*bind\s+\S*:443\b.*\bssl\b"
    r"|DownstreamTlsContext|certificatesResolvers|^\s*tls\s*:|address\s*[:=]\s*\"?:443)",
    re.IGNORECASE | re.MULTILINE,
)


def caddy_tls(text: str) -> bool:
    depth = 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if depth == 0 and line != "{":
            head = line.rstrip("{").strip()
            for address in re.split(r"[\s,]+", head):
                if not address or address.startswith("(") or address.startswith("import"):
                    continue
                if address.startswith("http://") or re.fullmatch(r":(?!443\b)\d+", address):
                    continue
                if address.startswith(("https://", "{$", ":443")) or "." in address:
                    return True
        depth += line.count("{") - line.count("}")
        depth = max(depth, 0)
    return False


_HOST_CONFIG_RE = re.compile(
    r"(^|/)(caddyfile[^/]*|nginx[^/]*\.conf|[^/]*\.nginx|sites-(available|enabled)/[^/]+"
    r"|(nginx|conf\.d|deploy|ops|infra)/[^/]*\.conf(\.template)?)$",
    re.IGNORECASE,
)


@facet
def host_proxy_configs(project: Project) -> tuple[str, ...]:
    """nginx/Caddy configurations in the repository that terminate TLS (a proxy on the host)."""
    found = []
    for rel in project.files:
        if not _HOST_CONFIG_RE.search(rel):
            continue
        text = project.read_text(rel) or ""
        name = rel.rsplit("/", 1)[-1].lower()
        if name.startswith("caddyfile"):
            if caddy_tls(text):
                found.append(rel)
        elif "server" in text and CONFIG_TLS_RE.search(text):
            found.append(rel)
    return tuple(sorted(found))
