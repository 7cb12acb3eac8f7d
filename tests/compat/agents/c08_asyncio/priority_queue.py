# input: {"tickets": [[3, "low"], [1, "urgent"], [2, "normal"], [1, "also urgent"]]}
import asyncio


async def run(input_dict, tools):
    queue = asyncio.PriorityQueue()
    for priority, title in input_dict["tickets"]:
        await queue.put((priority, title))
    order = []
    while not queue.empty():
        priority, title = await queue.get()
        order.append(f"{priority}:{title}")
    return {"order": order}
