# input: {"report": {"users": [{"name": "ada", "roles": ["admin", "dev"]}], "total": 1}}
import pprint


async def run(input_dict, tools):
    pprint.pprint(input_dict["report"], width=40)
    text = pprint.pformat({"b": 2, "a": [1, 2, 3]}, width=20)
    return {"text": text}
