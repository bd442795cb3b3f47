import os

BUCKET = os.environ.get("S3_BUCKET")
REGION = os.environ.setdefault("AWS_REGION", "eu-west-1")
