import click
import requests
import rich


@click.command()
def main() -> None:
    rich.print(requests.get("https://example.com", timeout=5).status_code)


def report(path: str) -> None:
    from reportlab.pdfgen import canvas

    canvas.Canvas(path).save()
