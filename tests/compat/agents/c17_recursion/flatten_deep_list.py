# input: {"depth": 850}
def nest(depth):
    value = [depth]
    for level in range(depth - 1, 0, -1):
        value = [level, value]
    return value


def flatten(items):
    out = []
    for item in items:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


async def run(input_dict, tools):
    flat = flatten(nest(input_dict["depth"]))
    return {"length": len(flat), "first": flat[0], "last": flat[-1]}
