"""Product description suggestions from Gemini."""

import httpx

from app.core.config import settings

GEMINI_ENDPOINT = "https://generativelanguage.googleapis.com/v1beta/models"


async def suggest_description(product_name: str) -> str:
    prompt = f"Write a two-sentence shop description for the Afghan sweet '{product_name}'."
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{GEMINI_ENDPOINT}/{settings.GEMINI_MODEL}:generateContent",
            params={"key": settings.GEMINI_API_KEY.get_secret_value()},
            json={"contents": [{"parts": [{"text": prompt}]}]},
        )
        response.raise_for_status()
    candidates = response.json().get("candidates", [])
    return candidates[0]["content"]["parts"][0]["text"] if candidates else ""
