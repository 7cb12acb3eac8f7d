# input: {}
import asyncio


async def poller(log):
    try:
        while True:
            log.append("poll")
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        log.append("cleanup")
        raise


async def run(input_dict, tools):
    log = []
    task = asyncio.create_task(poller(log))
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
        outcome = "finished"
    except asyncio.CancelledError:
        outcome = "cancelled"
    return {"outcome": outcome, "cancelled": task.cancelled(), "log": log}
