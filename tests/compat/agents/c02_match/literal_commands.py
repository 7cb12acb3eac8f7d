# input: {"commands": ["get", "fetch", "put", "delete", "stats", "bogus"]}
def describe(command):
    match command:
        case "get" | "fetch":
            return "read"
        case "put":
            return "write"
        case "delete":
            return "remove"
        case "stats":
            return "report"
        case _:
            return "unknown"


async def run(input_dict, tools):
    return {"kinds": [describe(command) for command in input_dict["commands"]]}
