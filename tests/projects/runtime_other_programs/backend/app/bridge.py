"""Vendor event bridge: subscribes to the vendor's event stream and forwards each event to the
API. Runs as the events-bridge compose service (a stock Python image), never inside the API."""

import os

import httpx
from eventsource_client import Stream

TARGET = os.getenv("BRIDGE_TARGET", "http://api:8000/webhooks/events")


def main() -> None:
    with httpx.Client() as client:
        for event in Stream(os.environ["VENDOR_STREAM_URL"]):
            client.post(TARGET, json=event)


if __name__ == "__main__":
    main()
