# input: {"orders": [{"sku": "a", "qty": 2, "unit_price": 1.5}, {"sku": "b", "qty": -1, "unit_price": 3.0}]}
from dataclasses import dataclass, field


@dataclass
class OrderLine:
    sku: str
    qty: int
    unit_price: float
    total: float = field(init=False)

    def __post_init__(self):
        if self.qty <= 0:
            raise ValueError(f"quantity must be positive, got {self.qty}")
        self.sku = self.sku.upper()
        self.total = self.qty * self.unit_price


async def run(input_dict, tools):
    lines = []
    errors = []
    for row in input_dict["orders"]:
        try:
            lines.append(OrderLine(**row))
        except ValueError as exc:
            errors.append(str(exc))
    return {"lines": [[line.sku, line.total] for line in lines], "errors": errors}
