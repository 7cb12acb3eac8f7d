# input: {"numbers": [1, 2, 3]}
import asyncio


async def square(n):
    await asyncio.sleep(0)
    return n * n


async def run(input_dict, tools):
    futures = [asyncio.ensure_future(square(n)) for n in input_dict["numbers"]]
    done = await asyncio.gather(*futures)
    return {"squares": done, "all_done": all(f.done() for f in futures)}
