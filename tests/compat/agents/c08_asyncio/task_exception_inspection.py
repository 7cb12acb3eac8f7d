# input: {}
import asyncio


async def broken():
    await asyncio.sleep(0)
    raise RuntimeError("backend unavailable")


async def fine():
    await asyncio.sleep(0)
    return "ok"


async def run(input_dict, tools):
    bad = asyncio.create_task(broken())
    good = asyncio.create_task(fine())
    await asyncio.wait([bad, good])
    error = bad.exception()
    try:
        bad.result()
        reraised = None
    except RuntimeError as exc:
        reraised = str(exc)
    return {
        "error_type": error.__class__.__name__,
        "error": str(error),
        "reraised": reraised,
        "good_exception": good.exception() is None,
    }
