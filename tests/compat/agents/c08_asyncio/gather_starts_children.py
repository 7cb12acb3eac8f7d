# input: {}
import asyncio


async def child(name, log):
    log.append(f"{name} started")
    await asyncio.sleep(0)
    log.append(f"{name} finished")
    return name


async def run(input_dict, tools):
    log = []
    pending = asyncio.gather(child("a", log), child("b", log))
    log.append("gather called")
    await asyncio.sleep(0)
    log.append("parent resumed")
    results = await pending
    return {"log": log, "results": results}
