from pathlib import Path

from alembic import command
from alembic.config import Config


def run_migrations() -> None:
    """Bring the schema to head; called once from the app's lifespan."""
    config = Config(str(Path(__file__).resolve().parents[2] / "alembic.ini"))
    command.upgrade(config, "head")
