"""An mkdocs plugin that renders the OpenAPI schema into the docs site (registered as the
shop_openapi entry point of the mkdocs.plugins group)."""

from mkdocs.plugins import BasePlugin


class OpenAPIPlugin(BasePlugin):
    def on_page_markdown(self, markdown: str, **kwargs: object) -> str:
        return markdown.replace("!!openapi!!", "<div id='openapi'></div>")
