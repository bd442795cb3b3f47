from decouple import config

STRIPE_API_KEY = config("STRIPE_API_KEY", default="")
