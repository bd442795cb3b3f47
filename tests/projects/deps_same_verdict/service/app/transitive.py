"""Only installed transitively, according to uv.lock: warnings."""

import bcrypt  # passlib[bcrypt]
import idna  # httpx
import pydantic_core  # fastapi -> pydantic

__all__ = ["bcrypt", "idna", "pydantic_core"]
