from app.models.base import Base
from app.models.image import ProcessedImage
from app.models.product import Order, OrderItem, Product
from app.models.user import User, UserRole

__all__ = ["Base", "Order", "OrderItem", "ProcessedImage", "Product", "User", "UserRole"]
