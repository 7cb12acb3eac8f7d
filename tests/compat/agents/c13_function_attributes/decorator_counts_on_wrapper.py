# input: {"n": 4}
import functools


def counted(func):
    @functools.wraps(func)
    def wrapper(n):
        wrapper.calls += 1
        return func(n)

    wrapper.calls = 0
    return wrapper


@counted
def square(n):
    """Return n squared."""
    return n * n


async def run(input_dict, tools):
    values = [square(i) for i in range(input_dict["n"])]
    return {"values": values, "calls": square.calls, "name": square.__name__,
            "doc": square.__doc__}
