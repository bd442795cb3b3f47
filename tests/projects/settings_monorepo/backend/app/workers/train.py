from app.core.env import _env_int
from app.core.keys import XGB_MIN_SAMPLES

MIN_SAMPLES = _env_int(XGB_MIN_SAMPLES, 100)


def _retries(name: str) -> int:
    return _env_int(name, 3)


def run() -> int:
    return _retries("TRAIN_RETRIES") + MIN_SAMPLES
