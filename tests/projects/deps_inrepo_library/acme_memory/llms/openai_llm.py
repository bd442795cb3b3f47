import httpx


class OpenAILLM:
    client = httpx.Client
