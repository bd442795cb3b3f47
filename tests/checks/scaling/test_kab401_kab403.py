"""Rate-limiter discovery and KAB401-403 on small inline projects (exact findings)."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.checks.scaling import (
    in_memory_rate_limiter,
    rate_limit_key_spoofable,
    rate_limiter_fails_open,
)
from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.processes import process_facts
from pytest_kabul.project.python.limiters.model import KeySource, Storage
from pytest_kabul.project.python.limiters.scan import rate_limiters
from tests.helpers import build_project

REQS = "fastapi\nslowapi\nlimits\npyrate-limiter\nredis\n"


def project(tmp_path: Path, files: dict[str, str]) -> Project:
    return build_project(tmp_path, {"requirements.txt": REQS, **files})


def summary(p: Project) -> list[tuple[str, str, str, str]]:
    return [
        (lim.subject, lim.storage.value, lim.key.value, lim.storage_detail)
        for lim in rate_limiters(p)
    ]


def test_library_limiters(tmp_path: Path) -> None:
    p = project(
        tmp_path,
        {
            "app/a.py": "from slowapi import Limiter\n"
            "limiter = Limiter(key_func=lambda r: r.client.host, storage_uri='memory://')\n",
            "app/b.py": "import os\nfrom slowapi import Limiter\n"
            "lim = Limiter(key_func=f, storage_uri=os.getenv('RL', 'memory://'))\n",
            "app/c.py": "from slowapi import Limiter\n"
            "shared = Limiter(key_func=f, storage_uri='redis://cache:6379')\n",
            "app/d.py": "from limits.storage import MemoryStorage\nstore = MemoryStorage()\n",
            "app/e.py": "from pyrate_limiter import Duration, Limiter, Rate\n"
            "bucket = Limiter(Rate(5, Duration.SECOND))\n",
            "app/f.py": "from pyrate_limiter import Limiter, RedisBucket\n"
            "bucket = Limiter(RedisBucket.init([], r, 'k'))\n",
            "app/g.py": "class Limiter:\n    pass\nmine = Limiter()\n",  # not a library limiter
        },
    )
    assert summary(p) == [
        ("app/a.py:limiter", "memory", "client host", 'slowapi Limiter, storage_uri "memory://"'),
        ("app/b.py:lim", "memory", "unknown", 'slowapi Limiter, storage_uri default "memory://"'),
        ("app/c.py:shared", "shared", "unknown", 'slowapi Limiter, storage_uri "redis://"'),
        ("app/d.py:store", "memory", "unknown", "limits MemoryStorage"),
        ("app/e.py:bucket", "memory", "unknown", "pyrate-limiter in-memory bucket"),
        ("app/f.py:bucket", "shared", "unknown", "pyrate-limiter shared bucket"),
    ]


def test_custom_limiters_need_a_429_and_client_state(tmp_path: Path) -> None:
    p = project(
        tmp_path,
        {
            # a dict cache that never answers 429 is not a limiter
            "app/cache.py": "class Cache:\n    def __init__(self):\n        self.items = {}\n",
            # exempt-path constants are config, not counters
            "app/only_consts.py": (
                "EXEMPT_PATHS = {'/health'}\n"
                "def guard(request):\n"
                "    if request.url.path not in EXEMPT_PATHS:\n"
                "        raise HTTPException(429)\n"
            ),
            "app/fwd.py": (
                "from collections import deque\n"
                "hits = {}\n"
                "async def limit(request):\n"
                "    ip = request.headers['x-forwarded-for'].split(',')[0]\n"
                "    hits.setdefault(ip, deque()).append(1)\n"
                "    if len(hits[ip]) > 3:\n"
                "        raise HTTPException(status_code=429)\n"
            ),
            "app/broken.py": "def oops(:\n    return 429\n",
        },
    )
    assert summary(p) == [("app/fwd.py:limit", "memory", "forwarded header", "hits (dict)")]
    assert [pr.path for pr in p.problems] == ["app/broken.py"]


def test_kab401_escalates_with_processes(tmp_path: Path) -> None:
    files = {
        "app/mw.py": (
            "class Throttle:\n"
            "    def __init__(self, app):\n"
            "        self.app = app\n"
            "        self.seen = defaultdict(int)\n"
            "    async def __call__(self, scope, receive, send):\n"
            "        self.seen[scope['client'][0]] += 1\n"
            "        if self.seen[scope['client'][0]] > 9:\n"
            "            return await send({'status': 429})\n"
        ),
    }
    single = project(tmp_path / "one", files)
    found = in_memory_rate_limiter.evaluate(single).findings
    assert [(f.subject, f.severity, str(f.location)) for f in found] == [
        ("app/mw.py:Throttle", Severity.WARNING, "app/mw.py:1")
    ]
    many = project(
        tmp_path / "many",
        {
            **files,
            "Dockerfile": "FROM python\nENV WEB_CONCURRENCY=3\nCMD uvicorn app.main:app\n",
            "gunicorn.conf.py": "workers = 5\n",
        },
    )
    assert [(f.description, str(f.location)) for f in process_facts(many)] == [
        ("WEB_CONCURRENCY=3", "Dockerfile:2"),
        ("workers = 5", "gunicorn.conf.py:1"),
    ]
    found = in_memory_rate_limiter.evaluate(many).findings
    assert [
        (f.severity, f.message.endswith("up to 5 processes are configured")) for f in found
    ] == [(Severity.ERROR, True)]


def test_kab402_trusting_every_proxy_with_a_published_port(tmp_path: Path) -> None:
    limiter = (
        "from slowapi import Limiter\nfrom slowapi.util import get_remote_address\n"
        "limiter = Limiter(key_func=get_remote_address, storage_uri='redis://r')\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    ports: ['8000:8000']\n"
        "    environment:\n      FORWARDED_ALLOW_IPS: '*'\n"
    )
    p = project(tmp_path / "open", {"app/main.py": limiter, "docker-compose.yml": compose})
    assert [lim.key for lim in rate_limiters(p)] == [KeySource.CLIENT_HOST]
    found = rate_limit_key_spoofable.evaluate(p).findings
    assert [(f.subject, str(f.location)) for f in found] == [
        ("app/main.py:limiter", "app/main.py:3")
    ]
    assert "FORWARDED_ALLOW_IPS=*" in found[0].evidence[0].text
    loopback = compose.replace("'8000:8000'", "'127.0.0.1:8000:8000'")
    q = project(tmp_path / "closed", {"app/main.py": limiter, "docker-compose.yml": loopback})
    assert rate_limit_key_spoofable.evaluate(q).findings == ()


def test_kab403_only_for_handlers_that_let_requests_through(tmp_path: Path) -> None:
    body = (
        "import redis\n"
        "r = redis.Redis()\n"
        "class {name}:\n"
        "    async def dispatch(self, request, call_next):\n"
        "        try:\n"
        "            n = r.incr(request.client.host)\n"
        "        except redis.RedisError:\n"
        "            {handler}\n"
        "        if n > 5:\n"
        "            return Response(status_code=429)\n"
        "        return await call_next(request)\n"
    )
    p = project(
        tmp_path,
        {
            "app/open.py": body.format(name="Open", handler="return await call_next(request)"),
            "app/closed.py": body.format(name="Closed", handler="raise"),
            "app/busy.py": body.format(name="Busy", handler="return Response(status_code=503)"),
        },
    )
    assert [lim.storage for lim in rate_limiters(p)] == [Storage.SHARED] * 3
    found = rate_limiter_fails_open.evaluate(p).findings
    assert [(f.subject, str(f.location)) for f in found] == [("app/open.py:Open", "app/open.py:7")]
    assert in_memory_rate_limiter.evaluate(p).findings == ()


def test_no_limiter_skips_the_static_checks(tmp_path: Path) -> None:
    p = project(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    for module in (in_memory_rate_limiter, rate_limit_key_spoofable, rate_limiter_fails_open):
        assert module.evaluate(p).not_applicable is not None


def test_production_env_is_discovered_from_comparisons(tmp_path: Path) -> None:
    from pytest_kabul.checks.settings.app_starts_without_required_config import (
        needed_variables,
        production_env,
    )
    from pytest_kabul.project.deploy.asgi import asgi_apps

    p = project(
        tmp_path,
        {
            "app/config.py": (
                "from pydantic_settings import BaseSettings\n"
                "class Settings(BaseSettings):\n"
                "    deploy_stage: str = 'dev'\n"
                "settings = Settings()\n"
            ),
            "app/main.py": (
                "import os\nfrom fastapi import FastAPI\nfrom app.config import settings\n"
                "app = FastAPI()\n"
                "DEBUG = settings.deploy_stage.lower() not in ('prod', 'staging')\n"
                "TOKEN = os.environ.get('API_TOKEN')\n"
                "REGION = os.getenv('REGION', 'eu')\n"
            ),
        },
    )
    [app] = asgi_apps(p)
    assert (app.subject, app.app_dir) == (f"{tmp_path.name}:app.main:app", "")
    assert production_env(p, app) == {"DEPLOY_STAGE": "prod"}
    assert needed_variables(p, app) == ("API_TOKEN",)  # REGION has a usable default
