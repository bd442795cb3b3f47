from acme_memory import Memory
from acme_memory.memory import MemoryConfig
from fastapi import FastAPI

SUPPORTED_PROVIDERS = ("openai", "gemini")

app = FastAPI()
memory = Memory(MemoryConfig(provider="gemini"))


@app.post("/memories")
def add(text: str) -> list[str]:
    return memory.add(text)
