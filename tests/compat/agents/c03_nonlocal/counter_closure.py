# input: {"clicks": 5}
def make_counter(start=0):
    count = start

    def increment(step=1):
        nonlocal count
        count += step
        return count

    return increment


async def run(input_dict, tools):
    counter = make_counter()
    for _ in range(input_dict["clicks"]):
        counter()
    return {"count": counter(0), "after_ten": counter(10)}
