# input: {}
class Bag:
    def __init__(self):
        self.items = []

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def describe(value):
    return {
        "iterable": hasattr(value, "__iter__"),
        "sized": hasattr(value, "__len__"),
        "callable": hasattr(value, "__call__"),
        "has_keys": hasattr(value, "keys"),
    }


async def run(input_dict, tools):
    return {
        "list": describe([1, 2]),
        "int": describe(5),
        "dict": describe({}),
        "bag": describe(Bag()),
        "function": describe(describe),
    }
