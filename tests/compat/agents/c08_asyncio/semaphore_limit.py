# input: {"jobs": 8, "limit": 3}
import asyncio


async def run(input_dict, tools):
    semaphore = asyncio.Semaphore(input_dict["limit"])
    active = 0
    peak = 0

    async def job(n):
        nonlocal active, peak
        async with semaphore:
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.001)
            active -= 1
        return n

    done = await asyncio.gather(*(job(n) for n in range(input_dict["jobs"])))
    return {"done": done, "peak": peak}
