# input: {"name": "world"}
import asyncio


async def run(input_dict, tools):
    return {"greeting": f"hello {input_dict.get('name', 'there')}",
            "imported": __name__ != "__main__"}


if __name__ == "__main__":
    print(asyncio.run(run({"name": "local test"}, {})))
