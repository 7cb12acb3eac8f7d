# input: {"numbers": [0, 7, 800, 801]}
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


async def run(input_dict, tools):
    return {"even": [is_even(n) for n in input_dict["numbers"]]}
