# input: {}
from collections import ChainMap


async def run(input_dict, tools):
    cache = ChainMap({"hot": 1}, {"warm": 2, "hot": 0})
    cache["fresh"] = 3
    before = sorted(cache)
    cache.clear()
    return {
        "before": before,
        "after": sorted(cache),
        "hot": cache["hot"],
        "has_fresh": "fresh" in cache,
        "len": len(cache),
    }
