"""Python apps: files, modules, imports, distributions, manifests, settings, limiters, models.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``apps.python_apps``: apps and their runtime/test files
- ``imports``: every import with its guard
- ``distributions``: import name -> distribution
- ``models_sqla.sqla_models``: SQLAlchemy/SQLModel models
- ``image_flow``: base64/data-URL payloads flowing into columns
"""

__all__: list[str] = []
