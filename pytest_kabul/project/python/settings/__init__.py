"""Configuration: settings classes and environment reads.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``classes.settings_classes``: pydantic-settings classes and the env names they accept
- ``envreads.env_reads``: every environment read, resolved names (scanned by ``envscan``)
"""

__all__: list[str] = []
