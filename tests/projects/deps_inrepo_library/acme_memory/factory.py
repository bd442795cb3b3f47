import importlib


def load_class(class_type: str) -> type:
    module_path, class_name = class_type.rsplit(".", 1)
    return getattr(importlib.import_module(module_path), class_name)


class LlmFactory:
    # Provider registry: a provider module is loaded only when a config selects its key.
    provider_to_class = {
        "openai": "acme_memory.llms.openai_llm.OpenAILLM",
        "gemini": "acme_memory.llms.gemini.GeminiLLM",
        "groq": "acme_memory.llms.groq_llm.GroqLLM",
    }

    @classmethod
    def create(cls, provider: str) -> object:
        return load_class(cls.provider_to_class[provider])()
