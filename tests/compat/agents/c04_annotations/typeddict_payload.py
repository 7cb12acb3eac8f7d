# input: {"sku": "A-1", "qty": 3}
from typing import TypedDict


class OrderLine(TypedDict):
    sku: str
    qty: int


class Order(TypedDict, total=False):
    lines: list[OrderLine]
    note: str


async def run(input_dict, tools):
    line: OrderLine = {"sku": input_dict["sku"], "qty": input_dict["qty"]}
    order: Order = {"lines": [line]}
    order["note"] = "rush"
    built = OrderLine(sku="B-2", qty=1)
    order["lines"].append(built)
    return {"order": order, "is_dict": isinstance(built, dict)}
