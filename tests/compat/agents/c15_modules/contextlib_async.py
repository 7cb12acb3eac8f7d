# input: {"names": ["one", "two"]}
import asyncio
from contextlib import AsyncExitStack, asynccontextmanager


@asynccontextmanager
async def session(name, log):
    await asyncio.sleep(0)
    log.append(f"start {name}")
    try:
        yield {"name": name}
    finally:
        log.append(f"stop {name}")


async def run(input_dict, tools):
    log = []
    async with session("main", log) as current:
        log.append(f"in {current['name']}")
    async with AsyncExitStack() as stack:
        opened = [await stack.enter_async_context(session(name, log))
                  for name in input_dict["names"]]
        log.append(f"opened {len(opened)}")
    return {"log": log}
