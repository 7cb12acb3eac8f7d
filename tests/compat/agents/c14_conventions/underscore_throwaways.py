# input: {"pairs": [["a", 1], ["b", 2]]}
async def run(input_dict, tools):
    keys = [key for key, _ in input_dict["pairs"]]
    for _ in range(2):
        keys.append("x")
    _, second = input_dict["pairs"]
    __, value = second
    first, *_rest = input_dict["pairs"]
    return {"keys": keys, "second_value": value, "first": first, "rest": len(_rest)}
