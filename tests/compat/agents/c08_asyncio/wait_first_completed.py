# input: {"delays": {"primary": 2, "replica": 0.01}}
import asyncio


async def query(source, delay):
    await asyncio.sleep(delay)
    return source


async def run(input_dict, tools):
    tasks = [asyncio.create_task(query(source, delay))
             for source, delay in input_dict["delays"].items()]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    winners = [task.result() for task in done]
    for task in pending:
        task.cancel()
    return {"winners": winners, "pending": len(pending)}
