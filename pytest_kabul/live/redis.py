"""Which Redis a live check gets: the project's compose Redis service, if it has one.

The provider order itself (explicit URL, compose through pytest-docker, embedded) is
:meth:`pytest_kabul.services.redis.RedisService.start`; this module only reads the project.
"""

from __future__ import annotations

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project
from pytest_kabul.services.redis import ComposeRedis


def compose_redis(project: Project) -> ComposeRedis | None:
    """The project's default compose service running a Redis image, if any."""
    for model in compose_models(project):
        for name, service in sorted(model.services.items()):
            image = (service.image or "").rsplit("/", 1)[-1]
            if image.startswith(("redis", "valkey")):
                files = tuple(project.root / f for f in model.files)
                return ComposeRedis(files=files, service=name)
    return None
