# input: {"messages": [[], ["ping"], ["echo", "hi"], ["sum", 1, 2, 3], ["set", "k", "v", "extra"]]}
def handle(message):
    match message:
        case []:
            return "empty"
        case ["ping"]:
            return "pong"
        case ["echo", text]:
            return text
        case ["sum", *numbers]:
            return sum(numbers)
        case [command, *rest]:
            return f"{command} with {len(rest)} args"


async def run(input_dict, tools):
    return {"replies": [handle(message) for message in input_dict["messages"]]}
