"""A local module named like a third-party package: it must not hide `import stripe`."""

PROVIDER = "stripe"
