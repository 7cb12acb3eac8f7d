# input: {"config": {"name": "base", "tags": ["a"], "limits": {"rps": 10}}}
import copy


async def run(input_dict, tools):
    base = input_dict["config"]
    shallow = copy.copy(base)
    deep = copy.deepcopy(base)
    shallow["tags"].append("shared")
    deep["limits"]["rps"] = 99
    shallow["name"] = "shallow"
    return {"base": base, "shallow": shallow, "deep": deep}
