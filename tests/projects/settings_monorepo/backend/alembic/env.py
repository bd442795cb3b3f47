import os

from alembic import context

url = os.environ["DATABASE_URL"]
context.config.set_main_option("sqlalchemy.url", url)
