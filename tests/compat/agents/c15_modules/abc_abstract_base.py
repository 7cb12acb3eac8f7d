# input: {"shapes": [["square", 2], ["circle", 1]]}
from abc import ABC, abstractmethod


class Shape(ABC):
    @abstractmethod
    def area(self):
        """Area of the shape."""

    def describe(self):
        return f"{self.kind} with area {self.area():.2f}"


class Square(Shape):
    kind = "square"

    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side ** 2


class Circle(Shape):
    kind = "circle"

    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return 3.14159 * self.radius ** 2


async def run(input_dict, tools):
    kinds = {"square": Square, "circle": Circle}
    shapes = [kinds[kind](size) for kind, size in input_dict["shapes"]]
    try:
        Shape()
        error = None
    except TypeError as exc:
        error = str(exc)
    return {"described": [s.describe() for s in shapes], "error": error}
