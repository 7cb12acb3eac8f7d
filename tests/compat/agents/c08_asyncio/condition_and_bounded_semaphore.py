# input: {"items": ["a", "b", "c"]}
import asyncio


async def run(input_dict, tools):
    condition = asyncio.Condition()
    ready = []
    log = []

    async def consumer():
        async with condition:
            await condition.wait_for(lambda: len(ready) == len(input_dict["items"]))
            log.append(f"consumer saw {len(ready)}")

    async def producer():
        for item in input_dict["items"]:
            async with condition:
                ready.append(item)
                condition.notify_all()
            await asyncio.sleep(0)

    await asyncio.gather(consumer(), producer())
    slots = asyncio.BoundedSemaphore(1)
    await slots.acquire()
    slots.release()
    try:
        slots.release()
        over_release = None
    except ValueError as exc:
        over_release = str(exc)
    return {
        "log": log,
        "over_release": over_release,
        "is_coroutine_function": asyncio.iscoroutinefunction(consumer),
        "plain_function": asyncio.iscoroutinefunction(len),
    }
