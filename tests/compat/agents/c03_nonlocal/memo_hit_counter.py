# input: {"keys": ["a", "b", "a", "c", "b", "a"]}
def memoize(func):
    cache = {}
    hits = 0
    misses = 0

    def lookup(key):
        nonlocal hits, misses
        if key in cache:
            hits += 1
        else:
            misses += 1
            cache[key] = func(key)
        return cache[key]

    def stats():
        return {"hits": hits, "misses": misses, "size": len(cache)}

    return lookup, stats


async def run(input_dict, tools):
    lookup, stats = memoize(str.upper)
    values = [lookup(key) for key in input_dict["keys"]]
    return {"values": values, "stats": stats()}
