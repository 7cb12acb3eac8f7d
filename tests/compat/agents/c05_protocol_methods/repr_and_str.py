# input: {"sku": "A-1", "qty": 4}
class Item:
    def __init__(self, sku, qty):
        self.sku = sku
        self.qty = qty

    def __repr__(self):
        return f"Item(sku={self.sku!r}, qty={self.qty})"

    def __str__(self):
        return f"{self.qty} x {self.sku}"


async def run(input_dict, tools):
    item = Item(input_dict["sku"], input_dict["qty"])
    print(item)
    return {"str": str(item), "repr": repr(item), "fstring": f"{item} / {item!r}",
            "in_list": repr([item])}
