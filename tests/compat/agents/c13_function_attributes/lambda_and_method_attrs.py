# input: {"x": 3}
async def run(input_dict, tools):
    double = lambda value: value * 2  # noqa: E731 - the idiom under test
    double.description = "doubles its input"

    def triple(value):
        return value * 3

    triple.description = "triples its input"
    triple.description += "!"
    ops = [double, triple]
    return {"results": [op(input_dict["x"]) for op in ops],
            "descriptions": [op.description for op in ops]}
