# input: {"fast": 0, "slow": 5}
import asyncio


async def run(input_dict, tools):
    outcomes = {}
    for label in ("fast", "slow"):
        try:
            async with asyncio.timeout(0.5):
                await asyncio.sleep(input_dict[label])
            outcomes[label] = "finished"
        except TimeoutError:
            outcomes[label] = "timed out"
    return outcomes
