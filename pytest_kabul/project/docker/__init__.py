"""Dockerfiles and what an image installs.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``dockerfiles.dockerfiles``: parsed Dockerfiles, stages, effective CMD/ENTRYPOINT
- ``installs.image_installs``: the manifests, extras and groups each production image installs
- ``install_steps``/``tool_commands``: pip/uv/poetry/pdm/pipenv RUN lines (records in
``install_model``)
"""

__all__: list[str] = []
