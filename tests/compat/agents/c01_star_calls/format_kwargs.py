# input: {"record": {"user": "ada", "count": 3, "plan": "pro"}}
TEMPLATE = "{user} has {count} items on the {plan} plan"


async def run(input_dict, tools):
    record = input_dict["record"]
    line = TEMPLATE.format(**record)
    return {"line": line}
