"""Alembic environments and how the schema is built.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``alembic_envs.alembic_envs``: environments and their revision graphs (read by AST)
- ``schema_bootstrap.schema_bootstrap``: ``create_all`` and ``alembic.command.upgrade`` calls
"""

__all__: list[str] = []
