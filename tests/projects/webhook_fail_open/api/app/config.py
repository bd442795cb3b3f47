from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    stripe_webhook_secret: str = ""
    github_webhook_secret: str = ""
    slack_signing_secret: str = ""


settings = Settings()
