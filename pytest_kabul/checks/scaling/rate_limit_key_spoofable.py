"""KAB402 rate-limit-key-spoofable: the limiter's client key can be chosen by the client.

What it checks
    The key each rate limiter counts by. It is spoofable when it comes from a client-controlled
    header (``X-Forwarded-For``, ``X-Real-IP``, ``Forwarded``, slowapi's ``get_ipaddr``), or when
    it is the connection's client address while uvicorn/gunicorn trust every proxy
    (``--forwarded-allow-ips '*'``, ``FORWARDED_ALLOW_IPS=*``) and the app's port is published
    directly (so no proxy overwrites the header).

Why it matters
    A client that sends a different ``X-Forwarded-For`` value with every request gets a fresh
    bucket every time: the limit never triggers.

Example
    ``backend/app/limits.py:9 slowapi rate limiter limiter keys clients by slowapi get_ipaddr
    ("X-Forwarded-For"), which the client controls``

Before
    ``requirements.txt``::

        fastapi
        slowapi

    ``app/limits.py``::

        from slowapi import Limiter
        from slowapi.util import get_ipaddr

        limiter = Limiter(key_func=get_ipaddr, storage_uri="redis://redis:6379")

After
    ``app/limits.py``::

        from slowapi import Limiter
        from slowapi.util import get_remote_address

        # the proxy in front sets the client address (uvicorn --proxy-headers)
        limiter = Limiter(key_func=get_remote_address, storage_uri="redis://redis:6379")

Fix
    Key by the socket address (``request.client.host``, slowapi ``get_remote_address``) and let
    only a trusted reverse proxy set it (``--forwarded-allow-ips`` = the proxy's address).
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.processes import published_app_ports, trusted_proxy_facts
from pytest_kabul.project.python.limiters.model import KeySource
from pytest_kabul.project.python.limiters.scan import rate_limiters
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB402",
    name="rate-limit-key-spoofable",
    area=Area.SCALING,
    severity=Severity.WARNING,
    summary="The rate limiter's client key comes from a header the client controls.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    limiters = [lim for lim in rate_limiters(project) if lim.key is not KeySource.UNKNOWN]
    if not limiters:
        return Evaluation.skip("no rate limiter with a recognisable client key")
    trusted = trusted_proxy_facts(project)
    published = published_app_ports(project)
    findings = []
    for limiter in limiters:
        where = Location(limiter.path, limiter.key_line or limiter.line)
        if limiter.key is KeySource.FORWARDED_HEADER:
            findings.append(
                Finding(
                    code=check.code,
                    severity=check.severity,
                    subject=limiter.subject,
                    message=(
                        f"{limiter.kind.value} rate limiter {limiter.name} keys clients by"
                        f" {limiter.key_detail}, which the client controls"
                    ),
                    remediation=(
                        f"Key {limiter.name} in {limiter.path} by the connection address"
                        " (request.client.host / slowapi get_remote_address) and set"
                        " --forwarded-allow-ips to the reverse proxy's address only."
                    ),
                    location=where,
                )
            )
        elif trusted and published:
            lines = [f"{loc}: {text}" for loc, text in trusted]
            lines += [f"{loc}: {text}" for loc, text in published]
            findings.append(
                Finding(
                    code=check.code,
                    severity=check.severity,
                    subject=limiter.subject,
                    message=(
                        f"{limiter.kind.value} rate limiter {limiter.name} keys clients by"
                        " the client address, which the server takes from X-Forwarded-For"
                        " of any sender while the app port is published directly"
                    ),
                    remediation=(
                        "Set --forwarded-allow-ips / FORWARDED_ALLOW_IPS to the reverse proxy's"
                        f" address ({trusted[0][0]}) instead of '*', or stop publishing the app"
                        " port so only the proxy reaches it."
                    ),
                    location=where,
                    evidence=(
                        Evidence(
                            title="trusted proxies and published ports", text="\n".join(lines)
                        ),
                    ),
                )
            )
    return Evaluation.build(subjects=[lim.subject for lim in limiters], findings=findings)
