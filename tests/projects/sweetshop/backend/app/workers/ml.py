"""Demand forecasting for the bakery's daily production plan."""

import logging
import os

logger = logging.getLogger(__name__)

PREFIX = "FORECAST"
MODEL_DIR_ENV = "ML_MODEL_DIR"


def _env_int(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def _resolve(primary_env: str, fallback_env: str) -> str | None:
    return os.getenv(primary_env) or os.getenv(fallback_env)


MIN_TRAINING_SAMPLES = _env_int("XGBOOST_MIN_TRAINING_SAMPLES", 50)
MODEL_DIR = os.getenv(MODEL_DIR_ENV, "/tmp/models")
FORECAST_TIMEOUT = float(os.getenv(f"{PREFIX}_TIMEOUT", "30"))


def retrain_demand_model() -> dict[str, object]:
    bucket = _resolve("ML_ARTIFACT_BUCKET", "S3_BUCKET")
    samples = _load_samples()
    if len(samples) < MIN_TRAINING_SAMPLES:
        logger.info("only %d samples, skipping retrain", len(samples))
        return {"trained": False, "samples": len(samples)}
    logger.info("training on %d samples, artifacts to %s", len(samples), bucket or MODEL_DIR)
    return {"trained": True, "samples": len(samples), "timeout": FORECAST_TIMEOUT}


def _load_samples() -> list[dict[str, float]]:
    return []
