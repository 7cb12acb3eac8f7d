# input: {"flags": [null, true, false, 0, 1, "yes"]}
def parse_flag(value):
    match value:
        case None:
            return "unset"
        case True:
            return "on"
        case False:
            return "off"
        case 0 | 1:
            return f"numeric {value}"
        case "yes" | "y":
            return "on (text)"
        case _:
            return "invalid"


async def run(input_dict, tools):
    return {"parsed": [parse_flag(value) for value in input_dict["flags"]]}
