# input: {"points": [[1, 2], [3, 4]]}
from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int
    label: str = "p"


async def run(input_dict, tools):
    points = [Point(x, y) for x, y in input_dict["points"]]
    shifted = [Point(p.x + 1, p.y + 1, "shifted") for p in points]
    return {
        "points": [list(p) for p in points],
        "shifted": [list(p) for p in shifted],
        "first": repr(points[0]),
    }
