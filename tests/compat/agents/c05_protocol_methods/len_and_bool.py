# input: {"items": ["a", "b"]}
class Batch:
    def __init__(self, items=None):
        self.items = list(items or [])

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return any(self.items)


async def run(input_dict, tools):
    full = Batch(input_dict["items"])
    empty = Batch()
    blank = Batch(["", ""])
    return {
        "lengths": [len(full), len(empty), len(blank)],
        "truthy": [bool(full), bool(empty), bool(blank)],
        "if_full": "yes" if full else "no",
        "if_blank": "yes" if blank else "no",
    }
