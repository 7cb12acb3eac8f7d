# input: {"items": ["x", "y"]}
import copy


class Draft:
    def __init__(self, title, items):
        self.title = title
        self.items = items

    def summary(self):
        return f"{self.title}: {', '.join(self.items)}"


async def run(input_dict, tools):
    original = Draft("plan", list(input_dict["items"]))
    clone = copy.deepcopy(original)
    clone.items.append("z")
    clone.title = "copy"
    twin = copy.copy(original)
    twin.items.append("shared")
    return {"original": original.summary(), "clone": clone.summary(),
            "same_items": twin.items is original.items}
