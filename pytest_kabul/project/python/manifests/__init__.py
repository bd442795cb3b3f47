"""Python manifests: pyproject (PEP 621, Poetry, uv, pdm), requirements, setup.cfg/setup.py,
Pipfile.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``reader.manifest``: the parsed manifest at a path (records in ``model``)
"""

__all__: list[str] = []
