import asyncpg

pool = asyncpg.create_pool
