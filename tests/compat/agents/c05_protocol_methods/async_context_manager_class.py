# input: {"name": "reports"}
import asyncio


class Connection:
    def __init__(self, name, events):
        self.name = name
        self.events = events
        self.open = False

    async def __aenter__(self):
        await asyncio.sleep(0)
        self.open = True
        self.events.append(f"open {self.name}")
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await asyncio.sleep(0)
        self.open = False
        self.events.append(f"close {self.name} error={exc_type is not None}")
        return False

    async def query(self, text):
        await asyncio.sleep(0)
        return f"{self.name}:{text}"


async def run(input_dict, tools):
    events = []
    async with Connection(input_dict["name"], events) as conn:
        answer = await conn.query("count")
        was_open = conn.open
    try:
        async with Connection("broken", events):
            raise KeyError("missing")
    except KeyError:
        events.append("caught")
    return {"answer": answer, "was_open": was_open, "open_after": conn.open, "events": events}
