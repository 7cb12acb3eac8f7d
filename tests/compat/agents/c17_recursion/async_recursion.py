# input: {"depth": 300}
import asyncio


async def descend(n):
    if n == 0:
        await asyncio.sleep(0)
        return 0
    return 1 + await descend(n - 1)


async def run(input_dict, tools):
    return {"depth": await descend(input_dict["depth"])}
