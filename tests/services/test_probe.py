"""The differential probe's verdict (pure function) and the server-command parser."""

from __future__ import annotations

import pytest

from pytest_kabul.project.shell import server
from pytest_kabul.services.probe import Burst, Verdict, judge


def burst(accepted: int, limited: int, errors: int = 0) -> Burst:
    statuses = (200,) * accepted + (429,) * limited + (0,) * errors
    return Burst("127.0.0.2", (1,) * len(statuses), "/x", statuses, 0.1)


@pytest.mark.parametrize(
    ("a1", "a2", "n", "verdict"),
    [
        (20, 40, 200, Verdict.PER_PROCESS),  # two buckets: double
        (20, 21, 200, Verdict.SHARED),  # one bucket: the same
        (20, 26, 200, Verdict.SHARED),  # jitter below half the gap
        (20, 34, 200, Verdict.PER_PROCESS),  # above half the gap
        (150, 200, 200, Verdict.PER_PROCESS),  # capped at N: min(N, 2·a1) = 200
        (190, 200, 200, Verdict.INCONCLUSIVE),  # N too close to the limit to tell
        (0, 0, 200, Verdict.INCONCLUSIVE),  # everything rejected
    ],
)
def test_judge(a1: int, a2: int, n: int, verdict: Verdict) -> None:
    assert judge(burst(a1, n - a1), burst(a2, n - a2)) is verdict


def test_no_429_is_no_limit_observed() -> None:
    assert judge(burst(200, 0), burst(200, 0)) is Verdict.NO_LIMIT


def test_connection_errors_are_not_accepted() -> None:
    b = burst(10, 5, errors=3)
    assert (b.accepted, b.limited, b.errors) == (10, 5, 3)
    assert b.histogram() == "error: 3, 200: 10, 429: 5"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ("uvicorn app.main:app --host 0.0.0.0 --workers 4", ("app.main:app", False, None, 4)),
        (
            "gunicorn -k uvicorn.workers.UvicornWorker -w4 -b :8000 app.main:app",
            ("app.main:app", False, None, 4),
        ),
        ("gunicorn --workers=3 'app.main:create_app()'", ("app.main:create_app", True, None, 3)),
        (
            "python -m uvicorn --factory svc.app:build --app-dir src",
            ("svc.app:build", True, "src", None),
        ),
        ("fastapi run app/main.py --port 80", ("app.main:app", False, None, None)),
        ("exec poetry run uvicorn api:app", ("api:app", False, None, None)),
    ],
)
def test_server(argv: str, expected: tuple[object, ...]) -> None:
    import shlex

    parsed = server(shlex.split(argv))
    assert parsed is not None
    assert (parsed.import_target, parsed.factory, parsed.app_dir, parsed.workers) == expected


def test_non_server_commands_are_ignored() -> None:
    assert server(["alembic", "upgrade", "head"]) is None
    assert server(["python", "-m", "celery", "worker"]) is None


def test_trust_all_proxies_is_parsed() -> None:
    parsed = server(["uvicorn", "a:app", "--forwarded-allow-ips", "*"])
    assert parsed is not None
    assert parsed.forwarded_allow_ips == "*"
