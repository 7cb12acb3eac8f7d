# input: {"keys": ["a", "b", "c"]}
import asyncio


async def load(key):
    await asyncio.sleep(0)
    return key.upper()


async def run(input_dict, tools):
    tasks = [asyncio.create_task(load(key)) for key in input_dict["keys"]]
    results = []
    for task in tasks:
        results.append(await task)
    return {"results": results}
