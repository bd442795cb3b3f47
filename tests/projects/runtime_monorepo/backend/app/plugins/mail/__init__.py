import aiosmtplib


def send(text: str) -> None:
    aiosmtplib.SMTP(hostname="localhost").sendmail("a", ["b"], text)
