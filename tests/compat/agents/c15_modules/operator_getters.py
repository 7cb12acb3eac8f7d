# input: {"rows": [{"name": "pear", "qty": 3, "price": 2.0}, {"name": "apple", "qty": 5, "price": 1.5}, {"name": "fig", "qty": 5, "price": 4.0}]}
import operator
from functools import reduce


class Row:
    def __init__(self, name, qty):
        self.name = name
        self.qty = qty


async def run(input_dict, tools):
    rows = input_dict["rows"]
    by_qty_then_name = sorted(rows, key=operator.itemgetter("qty", "name"))
    objects = [Row(r["name"], r["qty"]) for r in rows]
    return {
        "order": [r["name"] for r in by_qty_then_name],
        "names": list(map(operator.attrgetter("name"), objects)),
        "total_qty": reduce(operator.add, (r["qty"] for r in rows)),
        "product": reduce(operator.mul, [1, 2, 3, 4]),
        "upper": list(map(operator.methodcaller("upper"), ["a", "b"])),
    }
