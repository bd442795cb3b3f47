def test_signature_webhook(signature: str = "a", expected_signature: str = "a") -> None:
    assert signature == expected_signature
