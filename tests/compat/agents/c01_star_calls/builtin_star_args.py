# input: {"values": [4, 9, 1, 7]}
async def run(input_dict, tools):
    values = input_dict["values"]
    return {
        "max": max(*values),
        "min": min(*values),
        "range": list(range(*[0, 10, 3])),
        "union": sorted(set().union(*[{1, 2}, {2, 3}, {5}])),
    }
