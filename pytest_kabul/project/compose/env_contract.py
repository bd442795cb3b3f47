"""The environment contract between compose services and the Python apps they run (for KAB203).

A compose service runs a Python app when its ``build`` context is the app's folder
(``PythonApp.root``). What the app *reads* is the union of its runtime ``env_reads`` names, the
variables of its settings layers (``settings_layers``: pydantic-settings fields, typed
configuration classes, untyped configuration modules), and ``$VAR`` references in the service's
start command, its Dockerfile and the shell scripts of its build context. What the project
*uses* besides is compose ``${VAR}`` interpolation (``compose_interpolated``) and JavaScript
``process.env.X`` / ``import.meta.env.X`` reads (``js_env_reads``). What the service is *given*
is its ``environment:``, its ``env_file`` variables and its image's ``ENV``. Values are never
kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.compose.roles import command_text, dev_reason, service_dockerfile
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.settings.classes import SettingsClass, settings_classes
from pytest_kabul.project.python.settings.envreads import env_reads
from pytest_kabul.project.python.settings.layers import SettingsLayer, layers_of

EXAMPLE_NAMES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    ".env.defaults",
    "example.env",
    "env.example",
    "sample.env",
)
_VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_INTERP_RE = re.compile(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_JS_ENV_RE = re.compile(
    r"(?:process\.env|import\.meta\.env)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*[\"'`]([A-Za-z_][A-Za-z0-9_]*)[\"'`]\s*\])"
)
_JS_DESTRUCTURE_RE = re.compile(r"\{([^{}]{1,400})\}\s*=\s*(?:process\.env|import\.meta\.env)\b")
JS_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".vue", ".svelte", ".astro")
_SKIP_DIRS = ("node_modules/", ".next/", "dist/", "build/", "out/", "coverage/")
_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
# Read by the runtime, the server or a library rather than by the app's own code.
RUNTIME_VARIABLES = frozenset(
    {
        "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "USER", "HOSTNAME", "TERM", "SHELL",
        "PORT", "HOST", "BIND", "WORKERS", "WEB_CONCURRENCY", "MAX_WORKERS", "TIMEOUT",
        "GRACEFUL_TIMEOUT", "KEEP_ALIVE", "LOG_LEVEL", "ACCESS_LOG", "ERROR_LOG", "APP_MODULE",
        "MODULE_NAME", "VARIABLE_NAME", "GUNICORN_CMD_ARGS", "GUNICORN_CONF",
        "FORWARDED_ALLOW_IPS", "DEBIAN_FRONTEND", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
        "http_proxy", "https_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
        "CURL_CA_BUNDLE", "MALLOC_ARENA_MAX", "GOOGLE_APPLICATION_CREDENTIALS",
        "VIRTUAL_ENV", "POSTGRES_HOST_AUTH_METHOD", "DJANGO_SETTINGS_MODULE",
        # read implicitly by SDKs when the client is built without arguments
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
    }
)  # fmt: skip
RUNTIME_PREFIXES = (
    "PYTHON", "PIP_", "UV_", "POETRY_", "UVICORN_", "GUNICORN_", "LC_", "AWS_", "SENTRY_",
    "OTEL_", "DD_", "NEW_RELIC_", "PG", "LIBPQ_", "VIRTUAL_HOST", "LETSENCRYPT_", "TRAEFIK_",
    "NVIDIA_", "CUDA_", "OMP_", "MKL_", "HF_", "TRANSFORMERS_", "TOKENIZERS_", "GRPC_",
    "AZURE_", "LANGCHAIN_", "LANGSMITH_", "LOGFIRE_", "FLASK_",
)  # fmt: skip


def is_runtime_variable(name: str) -> bool:
    """Whether a variable is consumed by the runtime/server/libraries, not the app's code."""
    return name in RUNTIME_VARIABLES or name.startswith(RUNTIME_PREFIXES)


@dataclass(frozen=True)
class ServiceApp:
    """A compose service (``None`` for the app alone) and the Python app it runs."""

    service: ComposeService | None
    app: PythonApp
    model: ComposeModel | None = None


def service_apps(project: Project) -> list[ServiceApp]:
    """Started services of non-development models that build a Python app; first per name."""
    roots = {app.root: app for app in python_apps(project)}
    seen: dict[str, ServiceApp] = {}
    for model in compose_models(project):
        if dev_reason(project, model):
            continue
        for service in model.started:
            context = service.build_context
            if context is None:
                continue
            app = roots.get("" if context == "." else context)
            if app is not None and service.name not in seen:
                seen[service.name] = ServiceApp(service, app, model)
    return [seen[name] for name in sorted(seen)]


@facet
def compose_interpolated(project: Project) -> frozenset[str]:
    """Variables compose files interpolate (``${POSTGRES_USER}`` in any field)."""
    names: set[str] = set()
    for model in compose_models(project):
        for rel in model.files:
            names.update(_INTERP_RE.findall(project.read_text(rel) or ""))
    return frozenset(names)


@facet
def js_env_reads(project: Project) -> frozenset[str]:
    """Variables JavaScript/TypeScript code reads (``process.env.X``, ``import.meta.env.X``)."""
    names: set[str] = set()
    for rel in project.files.suffix(*JS_SUFFIXES):
        if any(f"/{d}" in f"/{rel}" for d in _SKIP_DIRS):
            continue
        text = project.read_text(rel) or ""
        if "env" not in text:
            continue
        for a, b in _JS_ENV_RE.findall(text):
            names.add(a or b)
        for group in _JS_DESTRUCTURE_RE.findall(text):
            names.update(re.findall(r"\b([A-Z][A-Z0-9_]+)\b", group))
    return frozenset(names)


def layers_for(project: Project, app: PythonApp) -> tuple[SettingsLayer, ...]:
    return layers_of(project, app.name)


def declared_by(layers: tuple[SettingsLayer, ...], name: str) -> SettingsLayer | None:
    """The layer declaring ``name`` (also case-insensitively: pydantic-settings upper-cases)."""
    upper = name.upper()
    for layer in sorted(layers, key=lambda x: (not x.typed, x.path, x.line)):
        if layer.declares(name) or layer.declares(upper):
            return layer
    return None


def settings_of(project: Project, app: PythonApp) -> tuple[SettingsClass, ...]:
    return tuple(c for c in settings_classes(project) if c.app == app.name and not c.test_code)


def app_reads(project: Project, ref: ServiceApp) -> set[str]:
    """Variable names the app's code, start command, Dockerfile and scripts read."""
    names = {
        n for r in env_reads(project) if r.app == ref.app.name and not r.test_code for n in r.names
    }
    texts: list[str] = []
    if ref.service is not None:
        texts.append(command_text(project, ref.service))
        dockerfile = service_dockerfile(project, ref.service)
        if dockerfile is not None:
            texts.append(project.read_text(dockerfile.path) or "")
    for rel in project.files.under(ref.app.root):
        if rel.endswith((".sh", ".bash")) or rel.rsplit("/", 1)[-1] in ("Procfile", "Makefile"):
            texts.append(project.read_text(rel) or "")
    for text in texts:
        names.update(_VAR_RE.findall(text))
    return names


def image_env(project: Project, service: ComposeService) -> set[str]:
    """Variables the service's image sets with ``ENV`` (final stage and the stages it is FROM)."""
    dockerfile = service_dockerfile(project, service)
    if dockerfile is None:
        return set()
    names: set[str] = set()
    for stage in dockerfile.stage_chain():
        for ins in stage.all("ENV"):
            text = ins.value.strip()
            if "=" in text.split(None, 1)[0]:
                names.update(m.group(1) for m in re.finditer(r"(?:^|\s)([A-Za-z_]\w*)=", text))
            elif text:
                names.add(text.split(None, 1)[0])
    return names


def _names_with_lines(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _LINE_RE.match(line)
        if m and not line.lstrip().startswith("#"):
            out.setdefault(m.group(1), number)
    return out


def env_file_vars(project: Project, rel: str) -> dict[str, int]:
    """Variable names of an ``env_file`` with their lines (empty when the file is absent)."""
    if not project.exists(rel):
        return {}
    return _names_with_lines(project.read_text(rel) or "")


def env_template(project: Project, env_file: str) -> str | None:
    """The committed template of an absent env_file (``.env.example`` next to it …), if any."""
    directory = env_file.rsplit("/", 1)[0] if "/" in env_file else ""
    candidates = [f"{env_file}{suffix}" for suffix in (".example", ".sample", ".template", ".dist")]
    candidates += [f"{directory}/{n}" if directory else n for n in EXAMPLE_NAMES]
    return next((c for c in candidates if project.exists(c)), None)


def example_lines(project: Project, rel: str) -> dict[str, int]:
    """Variable names documented in a ``.env.example`` (commented-out lines do not count)."""
    return _names_with_lines(project.read_text(rel) or "")


def variable_line(project: Project, path: str, start: int | None, name: str) -> int | None:
    """The line of ``name`` in a service's ``environment:`` block (list or mapping form)."""
    text = project.read_text(path)
    if text is None or start is None:
        return start
    pattern = re.compile(rf"^\s*(-\s*)?[\"']?{re.escape(name)}[\"']?\s*([=:]|$)")
    lines = text.splitlines()
    for number in range(start, min(len(lines), start + 400)):
        if pattern.match(lines[number]):
            return number + 1
    return start
