import json
from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import get_db
from app.models import Product
from app.services.cache import get_redis

router = APIRouter(prefix="/products", tags=["products"])

CACHE_KEY = "products:available"


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    description: str
    price: Decimal


@router.get("", response_model=list[ProductOut])
async def list_products(db: AsyncSession = Depends(get_db)) -> list[ProductOut]:
    redis = get_redis()
    cached = await redis.get(CACHE_KEY)
    if cached:
        return [ProductOut.model_validate(p) for p in json.loads(cached)]
    rows = await db.scalars(select(Product).where(Product.is_available).order_by(Product.name))
    products = [ProductOut.model_validate(p) for p in rows]
    await redis.set(
        CACHE_KEY, json.dumps([p.model_dump(mode="json") for p in products]), ex=60
    )
    return products


@router.get("/{slug}", response_model=ProductOut)
async def get_product(slug: str, db: AsyncSession = Depends(get_db)) -> ProductOut:
    product = await db.scalar(select(Product).where(Product.slug == slug))
    if product is None:
        raise HTTPException(404, "Product not found")
    return ProductOut.model_validate(product)
