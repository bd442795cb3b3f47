"""Every import here is provided by what pyproject.toml declares or uv.lock installs."""

import _pyrepl  # standard library since 3.13; the project requires >=3.13
import humps  # pyhumps
import markdown_it  # markdown-it-py
import mem0  # mem0ai
import opensearchpy  # opensearch-py
import strands  # strands-agents
from bidi.algorithm import get_display  # python-bidi
from fastapi import FastAPI
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase  # fastapi-users[sqlalchemy]
from fpdf import FPDF  # fpdf2

app = FastAPI()

__all__ = [
    "FPDF",
    "SQLAlchemyUserDatabase",
    "_pyrepl",
    "get_display",
    "humps",
    "markdown_it",
    "mem0",
    "opensearchpy",
    "strands",
]
