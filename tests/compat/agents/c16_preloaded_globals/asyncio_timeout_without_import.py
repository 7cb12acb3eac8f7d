# input: {"delays": [0, 5]}
async def fetch(delay):
    await asyncio.sleep(delay)
    return delay


async def run(input_dict, tools):
    results = []
    for delay in input_dict["delays"]:
        try:
            results.append(await asyncio.wait_for(fetch(delay), timeout=0.5))
        except asyncio.TimeoutError:
            results.append("timeout")
    return {"results": results}
