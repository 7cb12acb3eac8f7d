# input: {"expressions": [["+", 3, 4], ["*", 5, 6], ["-", 10, 3], ["//", 17, 5], ["**", 2, 8]]}
import operator

OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv,
       "**": operator.pow}


async def run(input_dict, tools):
    results = [OPS[op](a, b) for op, a, b in input_dict["expressions"]]
    return {
        "results": results,
        "truth": [operator.truth(x) for x in (0, 1, "", "a")],
        "contains": operator.contains([1, 2, 3], 2),
        "neg": operator.neg(5),
        "item": operator.getitem({"k": "v"}, "k"),
    }
