"""The check catalogue: one module per check, grouped by area, named after the problem.

Modules are discovered (``registry.all_checks``), so adding a check is adding a module.
"""
