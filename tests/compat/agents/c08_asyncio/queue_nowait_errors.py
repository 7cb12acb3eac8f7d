# input: {}
import asyncio


async def run(input_dict, tools):
    queue = asyncio.Queue(maxsize=1)
    events = []
    try:
        queue.get_nowait()
    except asyncio.QueueEmpty:
        events.append("empty")
    queue.put_nowait("first")
    try:
        queue.put_nowait("second")
    except asyncio.QueueFull:
        events.append("full")
    events.append(queue.get_nowait())
    lifo = asyncio.LifoQueue()
    for item in (1, 2, 3):
        lifo.put_nowait(item)
    events.append([lifo.get_nowait() for _ in range(3)])
    return {"events": events, "full": queue.full(), "maxsize": queue.maxsize}
