# input: {"pairs": [[2, 3], [5, 2], [10, 0]]}
from functools import partial


def weighted_total(weight, base, exponent):
    return weight * base ** exponent


async def run(input_dict, tools):
    double = partial(weighted_total, 2)
    totals = [double(*pair) for pair in input_dict["pairs"]]
    return {"totals": totals}
