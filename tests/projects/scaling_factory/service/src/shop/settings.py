from pydantic import Field
from pydantic_settings import BaseSettings


class ShopSettings(BaseSettings):
    ratelimit_storage_uri: str = Field("memory://")


shop_settings = ShopSettings()
