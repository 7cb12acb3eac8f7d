# input: {"values": [3, 1, 2]}
from typing import Generic, Iterator, TypeVar

T = TypeVar("T")


class Stack(Generic[T]):
    def __init__(self) -> None:
        self.items: list[T] = []

    def push(self, item: T) -> None:
        self.items.append(item)

    def pop(self) -> T:
        return self.items.pop()

    def drain(self) -> Iterator[T]:
        while self.items:
            yield self.pop()


async def run(input_dict, tools):
    stack: Stack[int] = Stack()
    for value in input_dict["values"]:
        stack.push(value)
    return {"drained": list(stack.drain()), "typed": Stack[str]().items}
