#!/bin/sh
set -e
# apply migrations, then hand over to the CMD
/app/scripts/prestart.sh
exec "$@"
