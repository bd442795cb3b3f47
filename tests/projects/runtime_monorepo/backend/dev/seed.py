"""Developer helper: fills a local database with fake rows (never copied into the image)."""

import os

from faker import Faker

URL = os.environ.get("SEED_DATABASE_URL", "sqlite://")
print(Faker().name(), URL)
