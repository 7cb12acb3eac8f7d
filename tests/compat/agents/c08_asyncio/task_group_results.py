# input: {"urls": ["/a", "/bb", "/ccc"]}
import asyncio


async def fetch(url):
    await asyncio.sleep(0.001 * len(url))
    return {"url": url, "size": len(url) * 100}


async def run(input_dict, tools):
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(url)) for url in input_dict["urls"]]
    return {"pages": [task.result() for task in tasks]}
