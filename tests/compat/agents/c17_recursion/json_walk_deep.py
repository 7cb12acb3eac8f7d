# input: {"depth": 250}
def make_document(depth):
    doc = {"leaf": True}
    for level in range(depth):
        doc = {"level": level, "tags": ["x"], "inner": doc}
    return doc


def count_keys(value):
    if isinstance(value, dict):
        return len(value) + sum(count_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_keys(v) for v in value)
    return 0


def max_depth(value, depth=0):
    if isinstance(value, dict):
        return max((max_depth(v, depth + 1) for v in value.values()), default=depth)
    return depth


async def run(input_dict, tools):
    doc = make_document(input_dict["depth"])
    return {"keys": count_keys(doc), "depth": max_depth(doc)}
