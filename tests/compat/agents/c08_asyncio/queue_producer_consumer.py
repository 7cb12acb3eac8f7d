# input: {"items": ["a", "b", "c", "d"]}
import asyncio


async def producer(queue, items):
    for item in items:
        await queue.put(item)
    await queue.put(None)


async def consumer(queue, processed):
    while True:
        item = await queue.get()
        if item is None:
            queue.task_done()
            break
        processed.append(item.upper())
        queue.task_done()


async def run(input_dict, tools):
    queue = asyncio.Queue(maxsize=2)
    processed = []
    await asyncio.gather(producer(queue, input_dict["items"]), consumer(queue, processed))
    await queue.join()
    return {"processed": processed, "empty": queue.empty()}
