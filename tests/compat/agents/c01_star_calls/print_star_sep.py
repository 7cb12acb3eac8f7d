# input: {"tags": ["red", "green", "blue"]}
async def run(input_dict, tools):
    tags = input_dict["tags"]
    print(*tags, sep=", ")
    print("count:", len(tags))
    return {"printed": len(tags)}
