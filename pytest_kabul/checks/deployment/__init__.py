"""Deployment checks on the compose model: reverse proxy/TLS, datastore ports, backups, logs."""
