# input: {"workers": ["w1", "w2", "w3"]}
import asyncio


async def work(name, rounds):
    for number in range(rounds):
        print(f"{name} round {number}", flush=True)
        await asyncio.sleep(0)
    return name


async def run(input_dict, tools):
    names = await asyncio.gather(*(work(name, 2) for name in input_dict["workers"]))
    print("finished:", *names, sep=" ", flush=True)
    return {"names": names}
