"""THE runtime model: how production starts each service.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``startpaths.start_paths``: every production start path (Dockerfile ENTRYPOINT+CMD and scripts,
compose, Procfile, PaaS, Kubernetes, deploy workflows) with its migration
- ``model``: ``StartPath``/``Step``/``Migration`` and the command expansion they share
- ``asgi.asgi_apps``, ``asgi.server_commands``: the ASGI apps the start paths run
- ``processes.process_facts``, ``trusted_proxy_facts``, ``published_app_ports``: workers, proxies,
ports
"""

__all__: list[str] = []
