# input: {"rows": [["name", "qty"], ["apple", 3], ["pear", 5]]}
async def run(input_dict, tools):
    for row in input_dict["rows"]:
        print(*row, sep=",")
    return {"rows": len(input_dict["rows"])}
