from acme_memory.memory import Memory

__all__ = ["Memory"]
