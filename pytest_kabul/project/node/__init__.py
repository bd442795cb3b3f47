"""Next.js apps: package.json, lockfiles, routes, middleware, the image they run in.

Facets (import them from their modules; this package imports nothing, so selecting other
checks never loads it):

- ``nextjs.next_apps``: apps with their lockfile, routes, middleware and Docker facts
- ``lockfiles``/``lockfiles_yaml``: npm, pnpm, yarn lockfiles; ``jsparse``: a JS/TS tokenizer
"""

__all__: list[str] = []
