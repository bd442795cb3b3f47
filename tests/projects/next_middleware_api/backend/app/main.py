from fastapi import FastAPI

app = FastAPI()


@app.get("/auth/setup-status")
def setup_status() -> dict[str, bool]:
    return {"needsSetup": False}
