# input: {"depth": 900}
def count_down(n):
    if n == 0:
        return 0
    return 1 + count_down(n - 1)


async def run(input_dict, tools):
    return {"depth": count_down(input_dict["depth"])}
