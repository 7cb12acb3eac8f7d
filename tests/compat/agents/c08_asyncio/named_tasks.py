# input: {"jobs": ["index", "vacuum"]}
import asyncio


async def job(name):
    await asyncio.sleep(0)
    return f"{name} ok"


async def run(input_dict, tools):
    tasks = {name: asyncio.create_task(job(name), name=f"job-{name}")
             for name in input_dict["jobs"]}
    names = [task.get_name() for task in tasks.values()]
    await asyncio.gather(*tasks.values())
    return {"names": names, "results": {name: task.result() for name, task in tasks.items()}}
