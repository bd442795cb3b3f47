"""Rate limiters: custom middleware and libraries (slowapi, limits, pyrate-limiter).

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``scan.rate_limiters``: every limiter with its storage, key source and fail-open line (records in
``model``)
"""

__all__: list[str] = []
