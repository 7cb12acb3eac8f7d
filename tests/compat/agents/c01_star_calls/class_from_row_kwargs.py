# input: {"rows": [{"sku": "A-1", "qty": 2, "price": 2.5}, {"sku": "B-7", "qty": 1, "price": 10.0}]}
class LineItem:
    def __init__(self, sku, qty, price):
        self.sku = sku
        self.qty = qty
        self.price = price

    def total(self):
        return self.qty * self.price


async def run(input_dict, tools):
    items = [LineItem(**row) for row in input_dict["rows"]]
    return {"totals": {item.sku: item.total() for item in items},
            "grand_total": sum(item.total() for item in items)}
