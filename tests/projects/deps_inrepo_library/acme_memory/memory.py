from pydantic import BaseModel

from .factory import LlmFactory
from .utils.text import lemmas


class MemoryConfig(BaseModel):
    provider: str = "openai"


class Memory:
    def __init__(self, config: MemoryConfig) -> None:
        self.llm = LlmFactory.create(config.provider)

    def add(self, text: str) -> list[str]:
        return lemmas(text)
