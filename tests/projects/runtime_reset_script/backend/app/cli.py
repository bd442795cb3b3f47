import typer

from app.db.base import Base
from app.db.session import engine

cli = typer.Typer()


@cli.command()
def init() -> None:
    """`shop init`: create every table on an empty database (local use)."""
    Base.metadata.create_all(engine)


if __name__ == "__main__":
    cli()
