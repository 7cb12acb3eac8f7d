"""Greets ``input_dict["name"]``: the smallest agent, with imports and printed output.

Run it with ``sandbox-host run examples/agents/hello.py --user alice --input '{"name": "Ada"}'``.
"""

import datetime
import json


async def run(input_dict, tools):
    name = input_dict.get("name", "world")
    greeting = f"Hello, {name}!"
    print(greeting)
    return {
        "greeting": greeting,
        "weekday": datetime.datetime.now(datetime.UTC).strftime("%A"),
        "echo": json.loads(json.dumps(input_dict)),
    }
