# input: {"values": [3.14159, 2.5, 100.0], "width": 9, "precision": 2}
async def run(input_dict, tools):
    width = input_dict["width"]
    precision = input_dict["precision"]
    lines = ["{:>{width}.{precision}f}".format(value, width=width, precision=precision)
             for value in input_dict["values"]]
    manual = "{0:{1}}|{2:^{1}}".format("ab", 6, "cd")
    return {"lines": lines, "manual": manual}
