# input: {"prices": ["19.99", "5.01", "0.10"], "tax_rate": "0.075"}
from decimal import ROUND_HALF_UP, Decimal


async def run(input_dict, tools):
    prices = [Decimal(price) for price in input_dict["prices"]]
    subtotal = sum(prices, Decimal("0"))
    tax = (subtotal * Decimal(input_dict["tax_rate"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        "subtotal": str(subtotal),
        "tax": str(tax),
        "total": str(subtotal + tax),
        "float_would_be": 0.1 + 0.2 == 0.3,
        "decimal_is": Decimal("0.1") + Decimal("0.2") == Decimal("0.3"),
    }
