import os


def send_password_reset(to: str) -> None:
    host = os.getenv("SMTP_HOST")  # read only when the first e-mail goes out
    if host is None:
        raise RuntimeError("SMTP_HOST is not set")


def signing_key() -> str:
    # A worker reads the (required) Settings field directly too: never withheld by KAB251.
    return os.environ["SECRET_KEY"]
