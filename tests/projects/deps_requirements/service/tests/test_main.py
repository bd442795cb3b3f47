import hypothesis
import pytest


def test_placeholder() -> None:
    assert pytest is not None
    assert hypothesis is not None
