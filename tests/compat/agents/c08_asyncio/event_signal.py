# input: {"waiters": ["a", "b"]}
import asyncio


async def run(input_dict, tools):
    ready = asyncio.Event()
    log = []

    async def waiter(name):
        log.append(f"{name} waiting")
        await ready.wait()
        log.append(f"{name} released")

    tasks = [asyncio.create_task(waiter(name)) for name in input_dict["waiters"]]
    await asyncio.sleep(0)
    log.append("setting")
    ready.set()
    await asyncio.gather(*tasks)
    return {"log": log, "is_set": ready.is_set()}
