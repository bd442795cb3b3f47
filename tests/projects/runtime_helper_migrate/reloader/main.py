from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg://hooks@db/hooks")
app = FastAPI()


@app.get("/hooks")
def hooks() -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("select name from hooks"))]
