# input: {"scores": [95, 82, 71, 40, -1, 101]}
def grade(score):
    match score:
        case n if n < 0 or n > 100:
            return "invalid"
        case n if n >= 90:
            return "A"
        case n if n >= 80:
            return "B"
        case n if n >= 70:
            return "C"
        case _:
            return "F"


async def run(input_dict, tools):
    return {"grades": [grade(score) for score in input_dict["scores"]]}
