# input: {"values": [5, 3, 8]}
from __future__ import annotations


class Node:
    def __init__(self, value: int, next: Node | None = None) -> None:
        self.value = value
        self.next = next

    def prepend(self, value: int) -> Node:
        return Node(value, self)

    def to_list(self) -> list[int]:
        node: Node | None = self
        out = []
        while node is not None:
            out.append(node.value)
            node = node.next
        return out


async def run(input_dict: dict, tools: dict) -> dict:
    head = Node(input_dict["values"][0])
    for value in input_dict["values"][1:]:
        head = head.prepend(value)
    return {"list": head.to_list()}
