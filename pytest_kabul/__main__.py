"""``python -m pytest_kabul explain KAB302`` and ``python -m pytest_kabul list``."""

from __future__ import annotations

import sys

from pytest_kabul.explain import main

if __name__ == "__main__":
    sys.exit(main())
