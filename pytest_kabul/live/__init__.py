"""Live glue: which service, which environment, which folder for a live check.

Between ``checks/`` and ``services/``: reads the project model (``project/``) and hands plain
specs to the service context managers (``services/``). Nothing here imports pytest.

- ``postgres``: the Postgres provider choice (explicit URL, compose through pytest-docker,
  embedded) behind the ``kabul_postgres`` fixture;
- ``redis``: the project's compose Redis service for ``RedisService.start``;
- ``appenv``: the generated environment a replica gets; ``launch``: ``ReplicaFactory``;
- ``alembic_runner`` (+ its subprocess script ``alembic_helper``): run the project's Alembic.
"""
