import uuid

import boto3

s3 = boto3.client("s3")


def put_object(data: bytes, content_type: str) -> str:
    key = f"receipts/{uuid.uuid4()}"
    s3.put_object(Bucket="receipts", Key=key, Body=data, ContentType=content_type)
    return key
