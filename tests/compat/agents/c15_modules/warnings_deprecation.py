# input: {"calls": 3}
import warnings


def old_api(x):
    warnings.warn("old_api is deprecated; use new_api", DeprecationWarning, stacklevel=2)
    return x * 2


async def run(input_dict, tools):
    warnings.simplefilter("always", DeprecationWarning)
    results = [old_api(i) for i in range(input_dict["calls"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old_api(0)
    warnings.warn("a user warning")
    return {"results": results}
