# input: {"row": ["A-1", 3, 2.5]}
from collections import namedtuple

Line = namedtuple("Line", "sku qty price", defaults=[1.0])


async def run(input_dict, tools):
    line = Line._make(input_dict["row"])
    bigger = line._replace(qty=line.qty * 2)
    return {
        "fields": list(Line._fields),
        "defaults": Line._field_defaults,
        "bigger": bigger._asdict(),
        "default_price": Line("B-2", 1).price,
    }
