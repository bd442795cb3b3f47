from groq import Groq


class GroqLLM:
    client = Groq
