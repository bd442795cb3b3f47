#!/bin/sh
# Run by hand before risky upgrades: docker compose exec db pg_dump ...
set -e
docker compose exec -T db pg_dump -U shop shop | gzip > "backup-$(date +%F).sql.gz"
