"""KAB201 and KAB202 evaluators: exact findings, subjects and wording on small projects."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.checks.settings import env_read_outside_settings as kab201
from pytest_kabul.checks.settings import settings_silent_default as kab202
from pytest_kabul.model import Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.settings.classes import settings_classes
from tests.project.python.settings.test_envreads import make

CONFIG = """\
from pydantic import field_validator
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str
    smtp_host: str = ""
    stripe_secret_key: str = "sk_test_DO_NOT_PRINT"
    sentry_dsn: str | None = None
    mailgun_api_key: str = ""
    debug: bool = False

    @field_validator("mailgun_api_key")
    @classmethod
    def _key(cls, v: str) -> str:
        return v
"""

MAIL = """\
import os

HOST = os.getenv("SMTP_HOST", "smtp.example.com")


def send() -> None:
    port = os.environ.get("SMTP_PORT")
    host = os.environ["SMTP_HOST"]
    key = os.getenv(pick())
"""


def test_kab201_bypass_missing_field_unresolved_and_passing_subjects(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/config.py": CONFIG,
            "app/mail.py": MAIL,
            "tests/test_mail.py": "import os\nos.getenv('SMTP_PORT')\n",
        },
    )
    result = kab201.check.evaluate(project)
    assert list(result.findings) == [
        Finding(
            code="KAB201",
            severity=Severity.WARNING,
            subject="svc:<unresolved>",
            message=(
                "environment variables whose names cannot be determined statically are read at"
                " 1 site outside the settings layer (os.getenv of `pick()` first), so they cannot"
                " be checked here"
            ),
            remediation=(
                "Read these values through typed fields of svc/app/config.py's Settings; if a"
                " name really is dynamic, declare every possible variable as a field."
            ),
            location=Location("svc/app/mail.py", 9),
            evidence=(
                Evidence(
                    title="read sites",
                    text="svc/app/mail.py:9 `os.getenv` (in send(), default: none)",
                ),
            ),
        ),
        Finding(
            code="KAB201",
            severity=Severity.ERROR,
            subject="svc:SMTP_HOST",
            message=(
                "Settings.smtp_host (svc/app/config.py) exists but this code reads SMTP_HOST from"
                " the environment directly at 2 sites, missing .env values and the field's"
                " validation"
            ),
            remediation=(
                "Replace the direct reads of SMTP_HOST with settings.smtp_host (the Settings"
                " instance from svc/app/config.py)."
            ),
            location=Location("svc/app/mail.py", 3),
            evidence=(
                Evidence(
                    title="read sites",
                    text="svc/app/mail.py:3 `os.getenv` (default: literal)\n"
                    "svc/app/mail.py:8 `os.environ[]` (in send(), default: absent)",
                ),
            ),
        ),
        Finding(
            code="KAB201",
            severity=Severity.ERROR,
            subject="svc:SMTP_PORT",
            message=(
                "SMTP_PORT is read from the environment at 1 site but is not a field of any"
                " Settings class (Settings in svc/app/config.py), so it is not validated at"
                " startup"
            ),
            remediation=(
                "Add a typed field for SMTP_PORT to svc/app/config.py's Settings and read"
                " settings.smtp_port instead of the environment."
            ),
            location=Location("svc/app/mail.py", 7),
            evidence=(
                Evidence(
                    title="read sites",
                    text="svc/app/mail.py:7 `os.environ.get` (in send(), default: none)",
                ),
            ),
        ),
    ]
    assert result.subjects == (
        "svc:<unresolved>",
        "svc:DATABASE_URL",
        "svc:DEBUG",
        "svc:MAILGUN_API_KEY",
        "svc:SENTRY_DSN",
        "svc:SMTP_HOST",
        "svc:SMTP_PORT",
        "svc:STRIPE_SECRET_KEY",
    )
    assert result.notes["svc:DATABASE_URL"] == "read only through Settings.database_url"
    assert "svc:SMTP_HOST" not in result.notes


def test_kab201_app_without_settings_and_clean_app(tmp_path: Path) -> None:
    project = make(
        tmp_path, {"tool.py": "from os import environ\nB = environ.get('S3_BUCKET', '')\n"}
    )
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "requirements.txt").write_text("httpx\n")
    (tmp_path / "clean" / "main.py").write_text("print('no configuration')\n")
    result = kab201.check.evaluate(project)
    assert [(f.subject, str(f.location), f.message) for f in result.findings] == [
        (
            "svc:S3_BUCKET",
            "svc/tool.py:2",
            "S3_BUCKET is read from the environment at 1 site and app svc has no"
            " settings layer, so no configuration is validated at startup",
        )
    ]
    assert result.findings[0].remediation.startswith("Introduce a pydantic-settings BaseSettings")
    assert result.subjects == ("clean:*", "svc:S3_BUCKET")


def test_kab201_skips_without_python_apps(tmp_path: Path) -> None:
    assert kab201.check.evaluate(Project(tmp_path)).not_applicable == "no Python app found"


def test_kab202_exact_findings_never_print_values(tmp_path: Path) -> None:
    project = make(tmp_path, {"app/config.py": CONFIG})
    result = kab202.check.evaluate(project)
    assert list(result.findings) == [
        Finding(
            code="KAB202",
            severity=Severity.WARNING,
            subject="svc:SENTRY_DSN",
            message=(
                "Settings.sentry_dsn (SENTRY_DSN) defaults to None and no validator checks it,"
                " so a missing value is only noticed at runtime"
            ),
            remediation=(
                "Make Settings.sentry_dsn in svc/app/config.py required (no default), or add a"
                ' @field_validator("sentry_dsn") that rejects an empty value when the'
                " integration is enabled."
            ),
            location=Location("svc/app/config.py", 9),
        ),
        Finding(
            code="KAB202",
            severity=Severity.WARNING,
            subject="svc:SMTP_HOST",
            message=(
                "Settings.smtp_host (SMTP_HOST) defaults to an empty string and no validator"
                " checks it, so a missing value is only noticed at runtime"
            ),
            remediation=(
                "Make Settings.smtp_host in svc/app/config.py required (no default), or add a"
                ' @field_validator("smtp_host") that rejects an empty value when the'
                " integration is enabled."
            ),
            location=Location("svc/app/config.py", 7),
        ),
    ]
    # Checked and passing: required, validated, or a real default.
    assert result.subjects == (
        "svc:DATABASE_URL",
        "svc:MAILGUN_API_KEY",
        "svc:SENTRY_DSN",
        "svc:SMTP_HOST",
        "svc:STRIPE_SECRET_KEY",
    )
    assert not any("DO_NOT_PRINT" in str(f.to_dict()) for f in result.findings)


def test_kab202_name_patterns_and_skip(tmp_path: Path) -> None:
    assert [
        kab202.looks_sensitive(n) for n in ("SMTP_PORT", "DB__PASSWORD", "APP_ENV", "GH_TOKEN")
    ] == [
        True,
        True,
        False,
        True,
    ]
    assert kab202.looks_sensitive("REDIS_URL")
    assert kab202.looks_sensitive("SVC_SMTP_HOST")
    assert not kab202.looks_sensitive("KEYBOARD_LAYOUT")
    project = make(tmp_path, {"app/x.py": "import os\nos.getenv('A')\n"})
    assert kab202.check.evaluate(project).not_applicable == "no pydantic-settings class found"


def test_kab201_remediation_targets_the_configured_settings_class(tmp_path: Path) -> None:
    two = CONFIG + "\n\nclass WorkerSettings(BaseSettings):\n    concurrency: int = 2\n"
    project = make(
        tmp_path, {"app/config.py": two, "app/run.py": "import os\nos.getenv('QUEUE')\n"}
    )
    classes = tuple(c for c in settings_classes(project))
    assert kab201.main_settings(classes).name == "Settings"  # type: ignore[union-attr]
    chosen = kab201.main_settings(classes, "app.config:WorkerSettings")
    assert chosen is not None
    assert chosen.name == "WorkerSettings"
    assert kab201.main_settings(classes, "other.module:WorkerSettings") is classes[0]
    assert kab201.main_settings((), "app.config:Settings") is None


def test_kab201_platform_names_and_handoffs_are_skipped_with_a_reason() -> None:
    from tests.helpers import PROJECTS

    result = kab201.check.evaluate(Project(PROJECTS / "settings_env_edges"))
    assert dict(result.skipped) == {
        "backend:APP__WORKER_INDEX": (
            "APP__WORKER_INDEX is set by backend itself at backend/app/workers.py:9 for its own"
            " processes (a private hand-off, not configuration)"
        ),
        "backend:GITHUB_SHA": "GITHUB_SHA is set by GitHub Actions, not configuration the app"
        " declares",
        "backend:HOSTNAME": "HOSTNAME is set by the container runtime, not configuration the app"
        " declares",
        "backend:KUBERNETES_SERVICE_HOST": "KUBERNETES_SERVICE_HOST is set by Kubernetes, not"
        " configuration the app declares",
        "backend:RENDER_GIT_COMMIT": "RENDER_GIT_COMMIT is set by Render, not configuration the"
        " app declares",
    }
    embedding = result.findings_for("backend:EMBEDDING_MODEL")[0]
    assert embedding.evidence[1] == Evidence(
        title="defaults set by the code",
        text="backend/app/runtime.py:10 `os.environ.setdefault` gives EMBEDDING_MODEL a default",
    )
    assert "AWS_ACCESS_KEY_ID" not in " ".join(result.subjects)  # saved and restored: not a read


def test_kab202_optional_endpoint_with_an_absence_guard_passes(tmp_path: Path) -> None:
    config = (
        "from pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n"
        "    s3_endpoint_url: str | None = None\n"
        "    webhook_url: str | None = None\n"
        "    api_token: str | None = None\n"
    )
    storage = (
        "from app.config import Settings\n\nsettings = Settings()\n\n\n"
        "def client() -> str:\n"
        "    if not settings.s3_endpoint_url:\n"
        "        return 'aws'\n"
        "    return 'custom'\n"
    )
    project = make(tmp_path, {"app/config.py": config, "app/storage.py": storage})
    result = kab202.check.evaluate(project)
    assert [f.subject for f in result.findings] == ["svc:API_TOKEN", "svc:WEBHOOK_URL"]
    assert result.notes["svc:S3_ENDPOINT_URL"] == (
        "optional endpoint: its absence is handled at svc/app/storage.py:7"
    )


def test_kab201_a_read_that_falls_back_to_its_field_is_a_warning(tmp_path: Path) -> None:
    run = """\
import os
from app.config import settings, get_settings


def workers() -> int:
    return int(os.getenv("SMTP_HOST") or settings.smtp_host or 2)


def key() -> str:
    return os.environ.get("MAILGUN_API_KEY", getattr(get_settings(), "mailgun_api_key"))


def dsn() -> str | None:
    return os.getenv("SENTRY_DSN") or settings.debug  # another field: still an error


def url() -> str:
    return os.getenv("DATABASE_URL") or "sqlite://"
"""
    config = (
        CONFIG
        + "\n\nsettings = Settings()\n\n\ndef get_settings() -> Settings:\n    return settings\n"
    )
    project = make(tmp_path, {"app/config.py": config, "app/run.py": run})
    by_subject = {f.subject: f for f in kab201.check.evaluate(project).findings}
    assert {s: f.severity for s, f in by_subject.items()} == {
        "svc:DATABASE_URL": Severity.ERROR,
        "svc:MAILGUN_API_KEY": Severity.WARNING,
        "svc:SENTRY_DSN": Severity.ERROR,
        "svc:SMTP_HOST": Severity.WARNING,
    }
    assert by_subject["svc:SMTP_HOST"].message == (
        "this code reads SMTP_HOST from the environment at 1 site before falling back to"
        " Settings.smtp_host (svc/app/config.py): a value set in the environment skips the"
        " field's validation"
    )
    assert "missing .env values" in by_subject["svc:SENTRY_DSN"].message
