"""Docker Compose: discover, interpolate, load (overrides, include, extends, profiles), normalise,
roles, env contract.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``load.compose_models``: every compose invocation per directory (default ``up`` and production)
- ``roles``: which service is the app, a datastore, a proxy; dev-stack detection
- ``env_contract``: what compose passes vs what the app reads
"""

__all__: list[str] = []
