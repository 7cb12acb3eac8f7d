"""Persistent counter: the smallest agent that remembers something between runs.

Pattern: read a value with a default, change it, write it back. ``data_store`` is a
builtin of every sandbox; it belongs to the user the agent runs for, so each user has their
own count.

Run it three times and it answers 1, 2, 3::

    sandbox-host run examples/agents/counter.py --user alice --agent counter
"""


async def run(input_dict, tools):
    counter_name = input_dict.get("name", "runs")
    count = data_store.get(counter_name, 0) + 1
    data_store.set(counter_name, count, metadata={"kind": "counter"})
    if count == 1:
        print(f"Hello! Counter {counter_name!r} starts at 1; run me again and I will remember.")
    else:
        print(f"Welcome back! Counter {counter_name!r} is now {count}.")
    return {"count": count}
