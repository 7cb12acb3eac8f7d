# input: {"depth": 800}
def build(depth):
    node = {"value": 0, "child": None}
    for level in range(1, depth + 1):
        node = {"value": level, "child": node}
    return node


def total(node):
    if node is None:
        return 0
    return node["value"] + total(node["child"])


async def run(input_dict, tools):
    tree = build(input_dict["depth"])
    return {"total": total(tree)}
