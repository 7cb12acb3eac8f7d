# input: {"cli": {"verbose": true}, "env": {"verbose": false, "region": "eu"}}
from collections import ChainMap


async def run(input_dict, tools):
    config = ChainMap(input_dict["env"], {"region": "us", "retries": 3})
    config.maps.insert(0, input_dict["cli"])
    config.maps[0]["retries"] = 5
    config.maps.append({"fallback": True})
    return {"config": dict(sorted(config.items())), "layers": len(config.maps),
            "cli_layer": config.maps[0]}
