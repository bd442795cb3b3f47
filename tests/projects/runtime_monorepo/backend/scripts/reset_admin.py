import os

import click

if __name__ == "__main__":
    click.echo(os.environ["ADMIN_PASSWORD"])
