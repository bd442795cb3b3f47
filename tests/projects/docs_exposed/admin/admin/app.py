from fastapi import FastAPI

from admin.settings import settings


def create_app() -> FastAPI:
    application = FastAPI(**settings.fastapi_kwargs)

    @application.get("/users")
    def users() -> list[str]:
        return []

    return application
