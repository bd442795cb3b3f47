"""Live services: context managers that start real processes (Postgres, Redis, app replicas).

Nothing here imports pytest: ``with RedisService.start() as redis:`` works in a REPL.
"""
