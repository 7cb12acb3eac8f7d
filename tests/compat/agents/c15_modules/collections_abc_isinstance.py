# input: {"values": [[1, 2], {"a": 1}, "text", 5, ["x"]]}
from collections.abc import Iterable, Mapping, MutableSequence, Sequence, Set


def kind(value):
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, str):
        return "string"
    if isinstance(value, MutableSequence):
        return "mutable sequence"
    if isinstance(value, Sequence):
        return "sequence"
    if isinstance(value, Set):
        return "set"
    if isinstance(value, Iterable):
        return "iterable"
    return "scalar"


async def run(input_dict, tools):
    values = list(input_dict["values"])
    values.append(set(values[-1]))
    values.append((1, 2))
    return {"kinds": [kind(value) for value in values]}
