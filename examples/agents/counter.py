"""Persistent counter: the smallest agent that remembers something between runs.

Pattern: ``data_store.increment`` adds one and returns the new count, atomically: runs that
overlap each count once (a ``get`` followed by a ``set`` would lose the counts of runs that
read the same number). ``data_store`` is a builtin of every sandbox; it belongs to the user
the agent runs for, so each user has their own count.

Run it three times and it answers 1, 2, 3::

    sandbox-host run examples/agents/counter.py --user alice --agent counter
"""


async def run(input_dict, tools):
    counter_name = input_dict.get("name", "runs")
    count = data_store.increment(counter_name)
    if count == 1:
        print(f"Hello! Counter {counter_name!r} starts at 1; run me again and I will remember.")
    else:
        print(f"Welcome back! Counter {counter_name!r} is now {count}.")
    return {"count": count}
