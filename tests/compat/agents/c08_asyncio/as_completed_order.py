# input: {"delays": {"slow": 0.06, "fast": 0.0, "medium": 0.03}}
import asyncio


async def fetch(name, delay):
    await asyncio.sleep(delay)
    return name


async def run(input_dict, tools):
    coros = [fetch(name, delay) for name, delay in input_dict["delays"].items()]
    order = []
    for next_done in asyncio.as_completed(coros):
        order.append(await next_done)
    return {"order": order}
