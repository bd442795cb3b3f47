from inventory.config import load

if __name__ == "__main__":
    print(load("inventory.yml"))
