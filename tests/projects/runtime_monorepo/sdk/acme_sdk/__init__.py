"""A client library published to PyPI; no image of this repository installs it."""

import os

import httpx

BASE_URL = os.getenv("ACME_BASE_URL", "https://api.example.com")


def client() -> httpx.Client:
    return httpx.Client(base_url=BASE_URL)
