def banner() -> str:
    return "seed"
