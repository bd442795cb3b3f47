"""Product photos go to S3-compatible object storage; the database keeps the URL."""

import uuid
from functools import lru_cache
from typing import Any

import boto3

from app.core.config import settings


@lru_cache
def _client() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT_URL,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY.get_secret_value(),
    )


def new_key(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"products/{uuid.uuid4().hex}.{suffix}"


def upload(key: str, data: bytes, content_type: str) -> str:
    """Store ``data`` under ``key`` and return its public URL."""
    _client().put_object(
        Bucket=settings.S3_BUCKET,
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="public, max-age=31536000, immutable",
    )
    return f"{settings.S3_PUBLIC_BASE_URL.rstrip('/')}/{key}"
