#!/usr/bin/env bash
set -euo pipefail
python -m app.wait_for_db
alembic upgrade head
