# input: {}
def forever(n):
    return forever(n + 1)


async def run(input_dict, tools):
    try:
        forever(0)
        caught = False
    except RecursionError:
        caught = True
    return {"caught": caught, "still_works": sum(range(10))}
