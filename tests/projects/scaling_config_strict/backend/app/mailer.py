import os


def send_welcome(address: str) -> str:
    host = os.getenv("SMTP_HOST")
    if not host:
        raise RuntimeError("cannot send e-mail: SMTP_HOST is not configured")
    return f"queued for {address} via {host}"
