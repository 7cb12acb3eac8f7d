# input: {"names": ["ada", "grace", "linus"]}
async def run(input_dict, tools):
    results: list[str] = []
    count: int = 0
    lengths: dict[str, int] = {}
    for name in input_dict["names"]:
        results.append(name.title())
        lengths[name] = len(name)
        count += 1
    return {"results": results, "count": count, "lengths": lengths}
