# input: {"items": [1, 0, 2, -1]}
import asyncio


async def check(item):
    await asyncio.sleep(0)
    if item == 0:
        raise ZeroDivisionError("zero item")
    if item < 0:
        raise ValueError(f"negative item {item}")
    return item


async def run(input_dict, tools):
    errors = []
    try:
        async with asyncio.TaskGroup() as group:
            for item in input_dict["items"]:
                group.create_task(check(item))
    except* ValueError as eg:
        errors.extend(f"value: {exc}" for exc in eg.exceptions)
    except* ZeroDivisionError as eg:
        errors.extend(f"zero: {exc}" for exc in eg.exceptions)
    return {"errors": sorted(errors)}
