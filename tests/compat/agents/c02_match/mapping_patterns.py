# input: {"requests": [{"op": "set", "key": "a", "value": 1}, {"op": "get", "key": "a"}, {"op": "delete", "key": "a", "soft": true, "reason": "gc"}, {"op": "set", "key": 5, "value": 1}, {"nothing": 1}]}
def dispatch(request, store):
    match request:
        case {"op": "set", "key": str(key), "value": value}:
            store[key] = value
            return f"stored {key}"
        case {"op": "get", "key": str(key)}:
            return store.get(key)
        case {"op": "delete", "key": key, **options}:
            store.pop(key, None)
            return f"deleted {key} with {sorted(options)}"
        case {"op": op}:
            return f"bad request for {op}"
        case _:
            return "no op"


async def run(input_dict, tools):
    store = {}
    replies = [dispatch(request, store) for request in input_dict["requests"]]
    return {"replies": replies, "store": store}
