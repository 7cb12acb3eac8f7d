# input: {"workers": 5, "increments": 3}
import asyncio


async def run(input_dict, tools):
    lock = asyncio.Lock()
    state = {"count": 0}

    async def bump():
        for _ in range(input_dict["increments"]):
            async with lock:
                current = state["count"]
                await asyncio.sleep(0)
                state["count"] = current + 1

    await asyncio.gather(*(bump() for _ in range(input_dict["workers"])))
    return {"count": state["count"], "locked": lock.locked()}
