# input: {"points": [[0, 0], [0, 5], [3, 0], [2, 2]]}
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def where(point):
    match point:
        case Point(x=0, y=0):
            return "origin"
        case Point(x=0, y=y):
            return f"on the y axis at {y}"
        case Point(x=x, y=0):
            return f"on the x axis at {x}"
        case Point(x=x, y=y) if x == y:
            return f"on the diagonal at {x}"
        case _:
            return "somewhere else"


async def run(input_dict, tools):
    return {"where": [where(Point(x, y)) for x, y in input_dict["points"]]}
