from app.configs.db import *  # noqa: F403
from app.configs.services import *  # noqa: F403
