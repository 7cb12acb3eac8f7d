# input: {"keys": ["alpha", "beta", "gamma"]}
import asyncio


async def fetch_length(key):
    await asyncio.sleep(0)
    return {"key": key, "length": len(key)}


async def run(input_dict, tools):
    coros = [fetch_length(key) for key in input_dict["keys"]]
    results = await asyncio.gather(*coros)
    return {"results": results}
