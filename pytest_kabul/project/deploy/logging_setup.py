"""Where logs are rotated or shipped outside compose's ``logging:``: a Docker ``daemon.json``
that rotates or ships every container's logs, and the app's own logging configuration (a file
rotating or shipping handler in its runtime code or a ``logging.*`` config file).
"""

from __future__ import annotations

import re

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.screens import may_contain

ROTATING_OR_SHIPPING = frozenset(
    {
        "local", "fluentd", "gelf", "awslogs", "loki", "syslog", "journald", "splunk",
        "gcplogs", "logentries", "etwlogs", "none", "datadog", "elastic/elastic-logging-plugin",
    }
)  # fmt: skip
_HANDLER_RE = re.compile(
    r"\b(RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler|SysLogHandler"
    r"|HTTPHandler|SocketHandler|QueueHandler|watchtower|logging_loki|LokiHandler|graypy"
    r"|GELF\w*Handler|FluentHandler|fluent\.handler|logstash|LogstashHandler"
    r"|google\.cloud\.logging|CloudLoggingHandler|datadog_api_client|DatadogLogHandler"
    r"|opentelemetry\.sdk\._logs|LoggingHandler|axiom|logtail|betterstack|papertrail)\b"
    r"|rotation\s*="
)
_HANDLER_WORDS = (
    "Handler", "watchtower", "logging_loki", "graypy", "fluent.handler", "logstash",
    "google.cloud.logging", "datadog_api_client", "opentelemetry.sdk._logs", "axiom", "logtail",
    "betterstack", "papertrail", "rotation",
)  # fmt: skip


@facet
def daemon_log_config(project: Project) -> str | None:
    """A ``daemon.json`` that rotates or ships every container's logs (its path), else None."""
    for rel in project.files.named("daemon.json"):
        data = project.read_json(rel)
        if not isinstance(data, dict):
            continue
        opts = data.get("log-opts")
        driver = data.get("log-driver")
        if (isinstance(opts, dict) and "max-size" in opts) or (
            isinstance(driver, str) and driver in ROTATING_OR_SHIPPING
        ):
            return rel
    return None


@facet
def app_log_handlers(project: Project) -> dict[str, str]:
    """App root → the first runtime file configuring a file/shipping log handler."""
    out: dict[str, str] = {}
    for app in python_apps(project):
        candidates = list(app.runtime_files) + [
            f
            for f in project.files.under(app.root)
            if f.rsplit("/", 1)[-1].lower().startswith("logging")
            and f.endswith((".ini", ".conf", ".yaml", ".yml", ".json", ".toml"))
        ]
        for rel in candidates:
            text = project.read_text(rel) or ""
            if may_contain(text, _HANDLER_WORDS) and _HANDLER_RE.search(text):
                out[app.root] = rel
                break
    return out
