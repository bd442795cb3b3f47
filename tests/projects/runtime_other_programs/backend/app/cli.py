"""Operator commands (`python -m app.cli ...`)."""

import os
import sys

from app.config import settings


def show_config(profile: str) -> None:
    if os.environ.get("SHOP_PROFILE") == profile:
        print(f"profile {profile} is selected by the SHOP_PROFILE environment variable")
    print(settings.model_dump_json(indent=2))


def login(key: str | None) -> None:
    env_key = os.getenv("SHOP_API_KEY")
    if env_key and key and env_key != key:
        print("a different SHOP_API_KEY in the environment overrides --key", file=sys.stderr)
        sys.exit(1)
    if key and env_key and env_key == key:
        check(key)


def check(key: str) -> None:
    print("checking", key[:4])


def dev_serve() -> None:
    """Contributors only: restart the API on every change."""
    import watchfiles

    watchfiles.run_process("app", target="uvicorn app.main:app")


if __name__ == "__main__":
    show_config(sys.argv[1])
