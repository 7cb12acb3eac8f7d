# input: {"amounts": [5, 10, 15, 20]}
import asyncio


async def run(input_dict, tools):
    total = 0
    seen = 0

    async def add(amount):
        nonlocal total, seen
        await asyncio.sleep(0)
        total += amount
        seen += 1

    await asyncio.gather(*(add(amount) for amount in input_dict["amounts"]))
    return {"total": total, "seen": seen}
