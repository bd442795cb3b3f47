"""Fetch and format a shop's opening hours from a JSON endpoint."""

from __future__ import annotations

import json

import httpx


def opening_hours(url: str, client: httpx.Client | None = None) -> dict[str, str]:
    owned = client is None
    client = client or httpx.Client(timeout=5)
    try:
        response = client.get(url)
        response.raise_for_status()
        return {day: str(hours) for day, hours in sorted(response.json().items())}
    finally:
        if owned:
            client.close()


def render(hours: dict[str, str]) -> str:
    return json.dumps(hours, indent=2, sort_keys=True)
