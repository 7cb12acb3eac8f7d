# input: {"delay": 5}
import asyncio


async def slow_lookup(delay):
    await asyncio.sleep(delay)
    return "value"


async def run(input_dict, tools):
    try:
        value = await asyncio.wait_for(slow_lookup(input_dict["delay"]), timeout=0.02)
    except asyncio.TimeoutError:
        value = "fallback"
    quick = await asyncio.wait_for(slow_lookup(0), timeout=1)
    return {"value": value, "quick": quick}
