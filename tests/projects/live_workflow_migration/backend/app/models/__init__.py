from app.db import Base  # noqa: F401
from app.models.user import Order, User, UserRole  # noqa: F401
