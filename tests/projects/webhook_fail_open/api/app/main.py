from fastapi import FastAPI

from app.routes import github, slack, stripe_events

app = FastAPI()
app.include_router(stripe_events.router)
app.include_router(github.router)
app.include_router(slack.router)
