import redis.asyncio as aioredis

client = aioredis.Redis
