# input: {"extra": {"region": "eu", "attempt": 2}}
events = []


def log_event(name, *details, **fields):
    events.append({"name": name, "details": list(details), "fields": dict(sorted(fields.items()))})


async def run(input_dict, tools):
    log_event("start")
    log_event("retry", "timeout", "slow", **input_dict["extra"])
    args = ["done", "ok"]
    log_event(*args, elapsed=3)
    return {"events": events}
