# input: {"a": 6, "b": 7}
import functools

calls = []


def logged(func):
    """Record every call of the decorated function, then forward it unchanged."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        calls.append({"name": func.__name__, "args": list(args), "kwargs": kwargs})
        return func(*args, **kwargs)

    return wrapper


@logged
def multiply(x, y, scale=1):
    return x * y * scale


async def run(input_dict, tools):
    first = multiply(input_dict["a"], input_dict["b"])
    second = multiply(2, 3, scale=10)
    return {"first": first, "second": second, "calls": calls}
