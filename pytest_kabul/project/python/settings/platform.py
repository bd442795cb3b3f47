"""Environment names the platform, the CI system, the OS or the interpreter set: not app config.

``platform_reason(name)`` says who injects a variable (``HOSTNAME``: the container runtime,
``GITHUB_SHA``: GitHub Actions, ``K_SERVICE``: Cloud Run…) or returns None. An app reading such a
name is detecting where it runs, not taking configuration that a Settings class should declare.
The table is curated: only names a platform sets by itself, never names a user chooses
(``AWS_ACCESS_KEY_ID``, ``PORT`` and ``OTEL_*`` stay configuration).
"""

from __future__ import annotations

_EXACT: dict[str, str] = {
    # container runtimes and orchestrators
    "HOSTNAME": "the container runtime",
    "KUBERNETES_SERVICE_HOST": "Kubernetes",
    "KUBERNETES_SERVICE_PORT": "Kubernetes",
    "KUBERNETES_PORT": "Kubernetes",
    "ECS_CONTAINER_METADATA_URI": "AWS ECS",
    "ECS_CONTAINER_METADATA_URI_V4": "AWS ECS",
    "AWS_EXECUTION_ENV": "AWS Lambda/ECS",
    "LAMBDA_TASK_ROOT": "AWS Lambda",
    # platforms as a service
    "RENDER": "Render",
    "IS_PULL_REQUEST": "Render",
    "VERCEL": "Vercel",
    "DYNO": "Heroku",
    "K_SERVICE": "Cloud Run",
    "K_REVISION": "Cloud Run",
    "K_CONFIGURATION": "Cloud Run",
    "CLOUD_RUN_JOB": "Cloud Run",
    "GAE_APPLICATION": "App Engine",
    "GAE_SERVICE": "App Engine",
    "GAE_VERSION": "App Engine",
    "FUNCTION_TARGET": "Cloud Functions",
    "WEBSITE_SITE_NAME": "Azure App Service",
    "WEBSITE_HOSTNAME": "Azure App Service",
    "WEBSITE_INSTANCE_ID": "Azure App Service",
    "SPACE_ID": "Hugging Face Spaces",
    "SNOWFLAKE_ACCOUNT": "Snowpark Container Services",
    "SNOWFLAKE_HOST": "Snowpark Container Services",
    "SNOWFLAKE_SERVICE_NAME": "Snowpark Container Services",
    # CI systems
    "CI": "the CI system",
    "GITLAB_CI": "GitLab CI",
    "TRAVIS": "Travis CI",
    "CIRCLECI": "CircleCI",
    "BUILDKITE": "Buildkite",
    "JENKINS_URL": "Jenkins",
    "JENKINS_HOME": "Jenkins",
    "BUILD_NUMBER": "the CI system",
    "BUILD_ID": "the CI system",
    "TF_BUILD": "Azure Pipelines",
    "TEAMCITY_VERSION": "TeamCity",
    "DRONE": "Drone CI",
    # OS, shell and terminal
    "HOME": "the OS",
    "PATH": "the OS",
    "USER": "the OS",
    "USERNAME": "the OS",
    "LOGNAME": "the OS",
    "USERPROFILE": "the OS",
    "APPDATA": "the OS",
    "LOCALAPPDATA": "the OS",
    "PWD": "the shell",
    "OLDPWD": "the shell",
    "SHELL": "the shell",
    "SHLVL": "the shell",
    "TERM": "the terminal",
    "COLORTERM": "the terminal",
    "COLUMNS": "the terminal",
    "LINES": "the terminal",
    "LANG": "the OS locale",
    "LANGUAGE": "the OS locale",
    "TZ": "the OS",
    "TMPDIR": "the OS",
    "TEMP": "the OS",
    "TMP": "the OS",
    "SYSTEMROOT": "the OS",
    "WSL_DISTRO_NAME": "WSL",
    "DISPLAY": "the desktop session",
    "VIRTUAL_ENV": "the virtualenv",
    "CONDA_PREFIX": "conda",
    "CONDA_DEFAULT_ENV": "conda",
    # cross-tool conventions
    "DO_NOT_TRACK": "the user (a cross-tool telemetry opt-out convention)",
    "NO_COLOR": "the user (a cross-tool output convention)",
    "FORCE_COLOR": "the user (a cross-tool output convention)",
    "CLICOLOR": "the user (a cross-tool output convention)",
    "EDITOR": "the user's shell",
    "VISUAL": "the user's shell",
    "PAGER": "the user's shell",
}
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("KUBERNETES_", "Kubernetes"),
    ("RENDER_", "Render"),
    ("VERCEL_", "Vercel"),
    ("RAILWAY_", "Railway"),
    ("FLY_", "Fly.io"),
    ("HEROKU_", "Heroku dyno metadata"),
    ("AWS_LAMBDA_", "AWS Lambda"),
    ("GITHUB_", "GitHub Actions"),
    ("RUNNER_", "GitHub Actions"),
    ("CI_", "GitLab CI"),
    ("GITLAB_", "GitLab CI"),
    ("BITBUCKET_", "Bitbucket Pipelines"),
    ("BUILD_", "Azure Pipelines"),
    ("SYSTEM_", "Azure Pipelines"),
    ("BUILDKITE_", "Buildkite"),
    ("CIRCLE_", "CircleCI"),
    ("TRAVIS_", "Travis CI"),
    ("JENKINS_", "Jenkins"),
    ("CODEBUILD_", "AWS CodeBuild"),
    ("DRONE_", "Drone CI"),
    ("PYTHON", "the Python interpreter"),
    ("PYTEST_", "pytest"),
    ("COVERAGE_", "coverage.py"),
    ("XDG_", "the desktop session"),
    ("LC_", "the OS locale"),
)


def platform_reason(name: str) -> str | None:
    """Who sets ``name`` when it is not the app's configuration, else None."""
    who = _EXACT.get(name)
    if who is None:
        who = next((w for prefix, w in _PREFIXES if name.startswith(prefix)), None)
    if who is None:
        return None
    return f"{name} is set by {who}, not configuration the app declares"
