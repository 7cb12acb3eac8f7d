# input: {"a": [1, 2], "b": [3, -4]}
class Vector:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vector(self.x - other.x, self.y - other.y)

    def __mul__(self, factor):
        return Vector(self.x * factor, self.y * factor)

    def __rmul__(self, factor):
        return self * factor

    def __neg__(self):
        return Vector(-self.x, -self.y)

    def __abs__(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5

    def __eq__(self, other):
        return (self.x, self.y) == (other.x, other.y)

    def as_list(self):
        return [self.x, self.y]


async def run(input_dict, tools):
    a = Vector(*input_dict["a"])
    b = Vector(*input_dict["b"])
    return {
        "sum": (a + b).as_list(),
        "diff": (a - b).as_list(),
        "scaled": (3 * a).as_list(),
        "neg": (-b).as_list(),
        "length": abs(b),
        "equal": a + b == Vector(4, -2),
    }
