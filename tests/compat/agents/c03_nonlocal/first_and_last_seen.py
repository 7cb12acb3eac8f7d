# input: {"events": ["boot", "login", "query", "logout"]}
async def run(input_dict, tools):
    first = None
    last = None
    count = 0

    def record(event):
        nonlocal first, last, count
        if first is None:
            first = event
        last = event
        count += 1

    for event in input_dict["events"]:
        record(event)
    return {"first": first, "last": last, "count": count}
