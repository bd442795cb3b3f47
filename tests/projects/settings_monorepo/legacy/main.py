import os

from settings import Settings

settings = Settings()
WEBHOOK = os.getenv("LEG_WEBHOOK_URL")
