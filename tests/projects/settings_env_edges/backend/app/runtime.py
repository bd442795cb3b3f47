"""Where the app runs, per-request credentials, and defaults it gives libraries."""

import os

INSTANCE = os.environ.get("HOSTNAME", "local")
ON_KUBERNETES = "KUBERNETES_SERVICE_HOST" in os.environ
RELEASE = os.getenv("GITHUB_SHA") or os.getenv("RENDER_GIT_COMMIT")

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("EMBEDDING_MODEL", "mini-lm")


def with_credentials(key: str) -> None:
    saved = os.environ.get("AWS_ACCESS_KEY_ID")
    os.environ["AWS_ACCESS_KEY_ID"] = key
    try:
        pass
    finally:
        if saved is None:
            os.environ.pop("AWS_ACCESS_KEY_ID", None)
        else:
            os.environ["AWS_ACCESS_KEY_ID"] = saved


def embedding_model() -> str:
    return os.environ["EMBEDDING_MODEL"]
