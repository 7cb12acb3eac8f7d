# input: {"values": [3, 1, 2]}
import asyncio


async def compute(value):
    await asyncio.sleep(0.001 * value)
    if value == 2:
        raise ValueError("two is not allowed")
    return value * value


async def run(input_dict, tools):
    tasks = [asyncio.create_task(compute(value)) for value in input_dict["values"]]
    done, pending = await asyncio.wait(tasks)
    results = sorted(task.result() for task in done if task.exception() is None)
    errors = [str(task.exception()) for task in done if task.exception() is not None]
    return {"results": results, "errors": errors, "pending": len(pending)}
