"""Storage checks: what the database is made to hold."""
