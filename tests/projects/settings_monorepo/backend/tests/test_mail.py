import os


def test_send() -> None:
    os.environ["SMTP_HOST"] = "localhost"
    assert os.getenv("TEST_ONLY_FLAG") is None
