# input: {"names": ["a", "b", "c"]}
async def greet(name):
    await asyncio.sleep(0)
    return f"hello {name}"


async def run(input_dict, tools):
    greetings = await asyncio.gather(*(greet(name) for name in input_dict["names"]))
    return {"greetings": greetings}
