# input: {"values": [2, 5]}
import asyncio


async def work(value):
    await asyncio.sleep(0)
    return value + 1


async def run(input_dict, tools):
    finished = []

    def on_done(task):
        finished.append({"result": task.result(), "done": task.done()})

    tasks = []
    for value in input_dict["values"]:
        task = asyncio.create_task(work(value))
        task.add_done_callback(on_done)
        tasks.append(task)
    await asyncio.gather(*tasks)
    await asyncio.sleep(0)
    return {"finished": sorted(finished, key=lambda item: item["result"])}
