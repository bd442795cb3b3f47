from redis import Redis

cache = Redis()
