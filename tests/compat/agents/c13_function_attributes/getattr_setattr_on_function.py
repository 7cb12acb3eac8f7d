# input: {"names": ["validate", "transform"]}
def validate(record):
    return bool(record)


def transform(record):
    return record


async def run(input_dict, tools):
    steps = {"validate": validate, "transform": transform}
    for number, name in enumerate(input_dict["names"]):
        setattr(steps[name], "order", number)
    return {
        "orders": {name: getattr(step, "order", None) for name, step in steps.items()},
        "missing": getattr(validate, "timeout", "none"),
        "has_order": hasattr(transform, "order"),
    }
