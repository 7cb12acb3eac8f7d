# input: {"events": ["a", "b", "a"]}
class EventLog:
    def __init__(self, name: str) -> None:
        self.name: str = name
        self.entries: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, event: str) -> None:
        self.entries.append(event)
        self.counts[event] = self.counts.get(event, 0) + 1


async def run(input_dict, tools):
    log = EventLog("audit")
    for event in input_dict["events"]:
        log.add(event)
    return {"name": log.name, "entries": log.entries, "counts": log.counts}
