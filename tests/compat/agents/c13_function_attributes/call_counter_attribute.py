# input: {"events": ["a", "b", "c"]}
def handler(event):
    handler.calls += 1
    handler.last = event
    return event.upper()


handler.calls = 0
handler.last = None


async def run(input_dict, tools):
    out = [handler(event) for event in input_dict["events"]]
    return {"out": out, "calls": handler.calls, "last": handler.last}
