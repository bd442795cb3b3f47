print("db is up")
