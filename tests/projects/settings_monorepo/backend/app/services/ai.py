from environs import Env

env = Env()
env.read_env()

GEMINI_API_KEY = env.str("GEMINI_API_KEY")
GEMINI_TIMEOUT = env.int("GEMINI_TIMEOUT", 30)
