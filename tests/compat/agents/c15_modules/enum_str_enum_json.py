# input: {"colors": ["red", "blue"]}
import enum
import json


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Size(enum.StrEnum):
    SMALL = enum.auto()
    LARGE = enum.auto()


async def run(input_dict, tools):
    colors = [Color(name) for name in input_dict["colors"]]
    return {
        "json": json.dumps({"colors": colors, "size": Size.LARGE}),
        "equal_to_str": Color.RED == "red",
        "sizes": [s.value for s in Size],
        "upper": [c.upper() for c in colors],
    }
