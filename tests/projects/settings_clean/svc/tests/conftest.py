import os

os.environ.setdefault("SVC_DATABASE_URL", "sqlite://")
os.environ.setdefault("SVC_SECRET_KEY", "test")
