# input: {"tasks": ["sync", "export"]}
import asyncio


def task(priority):
    def mark(func):
        func.priority = priority
        func.is_task = True
        return func

    return mark


@task(priority=2)
async def sync():
    await asyncio.sleep(0)
    return "synced"


@task(priority=1)
async def export():
    await asyncio.sleep(0)
    return "exported"


async def run(input_dict, tools):
    registry = {"sync": sync, "export": export}
    chosen = sorted((registry[name] for name in input_dict["tasks"]), key=lambda f: f.priority)
    results = [await func() for func in chosen]
    return {"results": results, "flags": [func.is_task for func in chosen]}
