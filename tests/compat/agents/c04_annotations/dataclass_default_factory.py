# input: {"items": [["apple", 3], ["pear", 1], ["apple", 2]]}
from dataclasses import dataclass, field


@dataclass
class Basket:
    owner: str
    items: dict[str, int] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    def add(self, name: str, qty: int) -> None:
        self.items[name] = self.items.get(name, 0) + qty
        self.history.append(name)


async def run(input_dict, tools):
    first = Basket("ada")
    second = Basket("bob")
    for name, qty in input_dict["items"]:
        first.add(name, qty)
    return {"first": first.items, "history": first.history, "second_is_empty": second.items == {}}
