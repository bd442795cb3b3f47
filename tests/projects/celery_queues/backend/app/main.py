from fastapi import FastAPI

from app.tasks import send_welcome

app = FastAPI(openapi_url=None)


@app.post("/users/{user_id}/welcome")
def welcome(user_id: int) -> dict[str, str]:
    send_welcome.delay(user_id)
    return {"status": "queued"}
