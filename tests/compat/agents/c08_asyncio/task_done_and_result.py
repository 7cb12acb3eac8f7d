# input: {"value": 21}
import asyncio


async def double(value):
    await asyncio.sleep(0.01)
    return value * 2


async def run(input_dict, tools):
    task = asyncio.create_task(double(input_dict["value"]))
    done_before = task.done()
    result = await task
    return {"done_before": done_before, "done_after": task.done(), "result": result,
            "via_result": task.result(), "cancelled": task.cancelled()}
