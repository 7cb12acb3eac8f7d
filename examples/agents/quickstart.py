"""Quick start: store a value, read it back, list the keys -- no setup, no imports.

Pattern: ``set``, ``get`` and ``list_keys`` on the default namespace.

Run it::

    sandbox-host run examples/agents/quickstart.py --user alice --agent quickstart \\
        --input '{"key": "greeting", "value": {"text": "hello"}}'
"""


async def run(input_dict, tools):
    key = input_dict.get("key", "my-key")
    value = input_dict.get("value", {"result": "some data"})

    data_store.set(key, value)
    # What comes back is a fresh copy made from the stored JSON, not the object we passed.
    stored = data_store.get(key)
    missing = data_store.get("no-such-key", "not there")

    return {
        "stored": stored,
        "round_trip_equal": stored == value,
        "missing": missing,
        "stored_keys": data_store.list_keys(),
    }
