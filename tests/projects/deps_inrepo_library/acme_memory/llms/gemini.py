import os

from google import genai


class GeminiLLM:
    def __init__(self) -> None:
        self.client = genai.Client(api_key=os.environ.get("GOOGLE_API_KEY"))
