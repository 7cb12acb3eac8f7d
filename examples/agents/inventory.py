"""Namespace inventory: what does this user have stored? A debugging aid for agent authors.

Pattern: ``list_namespaces()`` and ``list_keys()`` show what exists without reading any
value, so they do not count as accesses and leave ``lastAccessedByAgent`` alone. With
``"sizes": true`` the agent also reads every value (``get_all``) to report sizes -- that
*does* count as an access of every key, which is why it is off by default.

Run it::

    sandbox-host run examples/agents/inventory.py --user alice --agent inventory
    sandbox-host run examples/agents/inventory.py --user alice --agent inventory \\
        --input '{"prefix": "shared", "sizes": true}'
"""

import json


async def run(input_dict, tools):
    prefix = input_dict.get("prefix", "")
    sample_size = int(input_dict.get("sample", 3))
    with_sizes = bool(input_dict.get("sizes", False))

    inventory = {}
    for namespace in data_store.list_namespaces():
        if not namespace.startswith(prefix):
            continue
        store = data_store.use_namespace(namespace)
        keys = store.list_keys()
        entry = {"keys": len(keys), "sample": keys[:sample_size]}
        if with_sizes:
            values = store.get_all()
            entry["json_bytes"] = sum(len(json.dumps(value)) for value in values.values())
        inventory[namespace] = entry
        print(f"{namespace}: {len(keys)} keys, e.g. {', '.join(keys[:sample_size])}")

    return {
        "namespaces": inventory,
        "total_namespaces": len(inventory),
        "total_keys": sum(entry["keys"] for entry in inventory.values()),
    }
