from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import current_user
from app.core.database import get_db
from app.models import Order, OrderItem, Product, User
from app.services.payments import create_payment_intent

router = APIRouter(prefix="/orders", tags=["orders"])


class OrderLine(BaseModel):
    product_id: int
    quantity: int = 1


class OrderOut(BaseModel):
    id: int
    total: Decimal
    client_secret: str


@router.post("", response_model=OrderOut, status_code=201)
async def create_order(
    lines: list[OrderLine],
    user: User = Depends(current_user),
    db: AsyncSession = Depends(get_db),
) -> OrderOut:
    ids = [line.product_id for line in lines]
    products = {p.id: p for p in await db.scalars(select(Product).where(Product.id.in_(ids)))}
    if len(products) != len(set(ids)):
        raise HTTPException(400, "Unknown product")
    order = Order(user_id=user.id, total=Decimal(0))
    for line in lines:
        price = products[line.product_id].price
        order.items.append(
            OrderItem(product_id=line.product_id, quantity=line.quantity, unit_price=price)
        )
        order.total += price * line.quantity
    intent = create_payment_intent(int(order.total * 100), metadata={"user_id": user.id})
    order.stripe_payment_intent = intent["id"]
    db.add(order)
    await db.commit()
    return OrderOut(id=order.id, total=order.total, client_secret=intent["client_secret"])
