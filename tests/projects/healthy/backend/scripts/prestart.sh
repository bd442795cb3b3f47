#!/usr/bin/env sh
set -e

# Bring the schema to head before the API accepts traffic.
alembic upgrade head

exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips "*"
