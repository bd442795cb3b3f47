"""Root conftest of pytest-kabul's own test suite."""

collect_ignore_glob = ["tests/projects/*", "bench/*"]
