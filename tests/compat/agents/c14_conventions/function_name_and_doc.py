# input: {}
def load_orders():
    """Load every order of the current user."""
    return []


def save_orders():
    """Save the given orders."""
    return None


def undocumented():
    return None


async def run(input_dict, tools):
    funcs = [load_orders, save_orders, undocumented]
    return {
        "commands": {func.__name__: func.__doc__ for func in funcs},
        "run_name": run.__name__,
        "lambda_name": (lambda: None).__name__,
        "qualname": run.__qualname__,
    }
