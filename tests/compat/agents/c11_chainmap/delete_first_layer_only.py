# input: {}
from collections import ChainMap


async def run(input_dict, tools):
    overrides = {"color": "red", "size": "L"}
    base = {"color": "blue", "shape": "round"}
    view = ChainMap(overrides, base)
    del view["color"]
    after_delete = view["color"]
    try:
        del view["shape"]
        error = None
    except KeyError as exc:
        error = str(exc)
    popped = view.pop("size")
    return {"after_delete": after_delete, "error": error, "popped": popped,
            "overrides": overrides, "base": base}
