# input: {"ops": ["divide", "index", "key", "ok"]}
def risky(op):
    if op == "divide":
        return 1 / 0
    if op == "index":
        return [][1]
    if op == "key":
        return {}["missing"]
    return "fine"


async def run(input_dict, tools):
    results = []
    for op in input_dict["ops"]:
        try:
            results.append({"op": op, "value": risky(op)})
        except (ZeroDivisionError, IndexError, KeyError) as error:
            results.append({"op": op, "error": error.__class__.__name__, "detail": str(error)})
    return {"results": results}
