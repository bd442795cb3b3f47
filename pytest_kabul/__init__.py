"""pytest-kabul: a production-readiness gate for FastAPI + Alembic + Next.js + compose stacks.

Importing this package is cheap on purpose: the pytest entry point (``pytest_kabul.plugin``)
only loads the analysis machinery when ``--kabul-readiness`` is given.
"""

from __future__ import annotations

__version__ = "0.1.0"
