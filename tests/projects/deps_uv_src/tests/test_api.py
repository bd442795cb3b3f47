import pytest
import pytest_asyncio

from ledger.api import app

fixture = pytest_asyncio.fixture


@pytest.mark.parametrize("x", [1])
def test_app(x: int) -> None:
    assert app is not None
