# input: {"counts": {"a": 2, "b": 1}}
from collections import ChainMap


async def run(input_dict, tools):
    session = {}
    persistent = dict(input_dict["counts"])
    counts = ChainMap(session, persistent)
    counts.update({"c": 5, "a": 10})
    counts.setdefault("b", 100)
    counts.setdefault("d", 7)
    counts["b"] = counts["b"] + 1
    return {"session": session, "persistent": persistent, "merged": dict(sorted(counts.items()))}
