import os
import subprocess
import sys


def spawn(index: int) -> None:
    child_env = {
        **os.environ,
        "APP__WORKER_INDEX": str(index),
    }
    subprocess.run([sys.executable, "-m", "app.worker_main"], env=child_env, check=True)


def worker_index() -> int:
    return int(os.environ.get("APP__WORKER_INDEX", "0"))
