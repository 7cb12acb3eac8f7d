# input: {"delays": [0.001, 0.002, 5]}
import asyncio


async def step(delay):
    await asyncio.sleep(delay)
    return delay


async def run(input_dict, tools):
    quick = await asyncio.wait_for(asyncio.gather(*(step(d) for d in input_dict["delays"][:2])), 1)
    try:
        await asyncio.wait_for(asyncio.gather(*(step(d) for d in input_dict["delays"])), 0.05)
        slow = "finished"
    except TimeoutError:
        slow = "timed out"
    return {"quick": quick, "slow": slow}
