import pytest
import responses

from inventory.config import load


def test_load_missing() -> None:
    with pytest.raises(FileNotFoundError):
        load("missing.yml")
    assert responses is not None
