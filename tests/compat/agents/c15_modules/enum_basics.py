# input: {"status": "shipped"}
from enum import Enum


class OrderStatus(Enum):
    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


async def run(input_dict, tools):
    status = OrderStatus(input_dict["status"])
    return {
        "name": status.name,
        "value": status.value,
        "by_name": OrderStatus["DELIVERED"].value,
        "all": [member.value for member in OrderStatus],
        "is_shipped": status is OrderStatus.SHIPPED,
        "repr": repr(status),
        "str": str(status),
    }
