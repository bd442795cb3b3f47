from acme_memory import Memory


def test_memory() -> None:
    assert Memory
