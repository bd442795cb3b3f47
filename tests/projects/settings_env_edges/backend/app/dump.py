import os
import sys


def dump(path: str) -> None:
    print(path)


if __name__ == "__main__":
    dump(os.getenv("DUMP_PATH", sys.argv[1]))
