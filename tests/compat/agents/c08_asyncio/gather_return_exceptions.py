# input: {"ids": [1, 2, 3, 4]}
import asyncio


async def load(record_id):
    await asyncio.sleep(0)
    if record_id % 2 == 0:
        raise LookupError(f"record {record_id} missing")
    return {"id": record_id}


async def run(input_dict, tools):
    outcomes = await asyncio.gather(*(load(i) for i in input_dict["ids"]), return_exceptions=True)
    found = [o for o in outcomes if not isinstance(o, Exception)]
    failed = [str(o) for o in outcomes if isinstance(o, Exception)]
    return {"found": found, "failed": failed}
