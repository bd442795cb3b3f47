"""Column types shared by models and migrations (imports the models: a circular import that
works once ``app.models`` is imported first, as env.py does)."""

from app.models import Base  # noqa: F401

EMAIL_LENGTH = 255
