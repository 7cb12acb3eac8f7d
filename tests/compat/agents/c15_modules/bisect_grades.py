# input: {"scores": [33, 99, 77, 70, 89, 90, 100]}
import bisect

BREAKPOINTS = [60, 70, 80, 90]
GRADES = "FDCBA"


async def run(input_dict, tools):
    grades = [GRADES[bisect.bisect(BREAKPOINTS, score)] for score in input_dict["scores"]]
    ordered = []
    for score in input_dict["scores"]:
        bisect.insort(ordered, score)
    return {
        "grades": grades,
        "ordered": ordered,
        "left": bisect.bisect_left(ordered, 90),
        "right": bisect.bisect_right(ordered, 90),
    }
