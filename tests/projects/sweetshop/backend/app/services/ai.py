"""Product description suggestions from Gemini."""

import os as _os
from os import getenv

import httpx

_os.environ.setdefault("GEMINI_MODEL", "gemini-1.5-flash")

GEMINI_ENDPOINT = "https://generativelanguage.googleapis.com/v1beta/models"


async def suggest_description(product_name: str) -> str:
    api_key = getenv("GEMINI_API_KEY")
    if not api_key:
        return ""
    model = _os.environ["GEMINI_MODEL"]
    prompt = f"Write a two-sentence shop description for the Afghan sweet '{product_name}'."
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{GEMINI_ENDPOINT}/{model}:generateContent",
            params={"key": api_key},
            json={"contents": [{"parts": [{"text": prompt}]}]},
        )
        response.raise_for_status()
    candidates = response.json().get("candidates", [])
    return candidates[0]["content"]["parts"][0]["text"] if candidates else ""
