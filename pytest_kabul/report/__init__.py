"""Report writers: terminal summary, JSON (schema 1); pytest-html hooks live in ``html``."""
