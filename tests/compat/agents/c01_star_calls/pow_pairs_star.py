# input: {"pairs": [[2, 10], [3, 3], [7, 2]]}
async def run(input_dict, tools):
    pairs = input_dict["pairs"]
    powers = [pow(*pair) for pair in pairs]
    divmods = [list(divmod(*pair)) for pair in pairs]
    return {"powers": powers, "divmods": divmods}
