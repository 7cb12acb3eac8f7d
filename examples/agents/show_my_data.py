"""Return every namespace of the running user with its keys and values: "what do I have?".

Pattern: namespace discovery and bulk reads. ``list_namespaces()`` finds the user's data,
one ``get_all()`` per namespace reads it. Handy after moving data between stores, e.g. after
``agent-data-store import-gofannon`` (see the README, "Coming from the seed's runtime"): the
agent sees exactly what it saw before. Input (optional): ``{"namespaces": ["default"]}``.

Run it with ``sandbox-host run examples/agents/show_my_data.py --user alice --agent reader``.
"""


async def run(input_dict, tools):
    wanted = input_dict.get("namespaces") or data_store.list_namespaces()
    data = {namespace: data_store.use_namespace(namespace).get_all() for namespace in wanted}
    print(f"{sum(len(values) for values in data.values())} records in {len(data)} namespaces")
    return {"namespaces": data}
