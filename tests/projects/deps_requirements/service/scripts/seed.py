"""Run as `python scripts/seed.py`: its folder is on sys.path, so `helpers` is local."""

import helpers

if __name__ == "__main__":
    print(helpers.banner())
