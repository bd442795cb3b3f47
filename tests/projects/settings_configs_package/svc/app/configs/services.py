import os


class ServiceConfig:
    """External services, read once at import."""

    SMTP_HOST = os.getenv("SMTP_HOST")
    SMTP_PORT = os.getenv("SMTP_PORT")
    SMTP_USER = os.getenv("SMTP_USER")
    SMTP_PASSWORD = os.getenv("SMTP_PASSWORD")
    MAIL_FROM = os.getenv("MAIL_FROM")
    S3_BUCKET = os.getenv("S3_BUCKET")
    S3_REGION = os.getenv("S3_REGION")
    S3_ENDPOINT = os.getenv("S3_ENDPOINT")
    S3_ACCESS_KEY = os.getenv("S3_ACCESS_KEY")
    S3_SECRET_KEY = os.getenv("S3_SECRET_KEY")
    OPENAI_API_KEY = os.getenv("OPENAI_API_KEY")
    OPENAI_MODEL = os.getenv("OPENAI_MODEL")
    OPENAI_TIMEOUT = os.getenv("OPENAI_TIMEOUT")
    SENTRY_DSN = os.getenv("SENTRY_DSN")
    SENTRY_ENV = os.getenv("SENTRY_ENV")
    STRIPE_KEY = os.getenv("STRIPE_KEY")
    STRIPE_WEBHOOK_SECRET = os.getenv("STRIPE_WEBHOOK_SECRET")
    SLACK_WEBHOOK = os.getenv("SLACK_WEBHOOK")
    FRONTEND_URL = os.getenv("FRONTEND_URL")
    API_BASE_URL = os.getenv("API_BASE_URL")
    JWT_SECRET = os.getenv("JWT_SECRET")
    JWT_TTL = os.getenv("JWT_TTL")
    CORS_ORIGINS = os.getenv("CORS_ORIGINS")
    RATE_LIMIT = os.getenv("RATE_LIMIT")
    FEATURE_BETA = os.getenv("FEATURE_BETA")
