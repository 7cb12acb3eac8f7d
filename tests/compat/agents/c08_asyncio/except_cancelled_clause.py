# input: {"value": "not-a-number"}
import asyncio


async def parse(value):
    await asyncio.sleep(0)
    try:
        return int(value)
    except asyncio.CancelledError:
        return "cancelled"


async def run(input_dict, tools):
    try:
        number = await parse(input_dict["value"])
        return {"number": number}
    except asyncio.CancelledError:
        return {"error": "cancelled"}
    except ValueError as exc:
        return {"error": str(exc)}
