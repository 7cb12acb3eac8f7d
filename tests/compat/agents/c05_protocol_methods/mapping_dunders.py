# input: {"pairs": [["Alpha", 1], ["beta", 2], ["ALPHA", 3]]}
class CaseInsensitiveCache:
    def __init__(self):
        self.data = {}

    def __setitem__(self, key, value):
        self.data[key.lower()] = value

    def __getitem__(self, key):
        return self.data[key.lower()]

    def __delitem__(self, key):
        del self.data[key.lower()]

    def __contains__(self, key):
        return key.lower() in self.data

    def __len__(self):
        return len(self.data)


async def run(input_dict, tools):
    cache = CaseInsensitiveCache()
    for key, value in input_dict["pairs"]:
        cache[key] = value
    alpha = cache["alpha"]
    del cache["BETA"]
    try:
        cache["beta"]
        missing = None
    except KeyError as exc:
        missing = str(exc)
    return {"alpha": alpha, "has_beta": "Beta" in cache, "size": len(cache), "missing": missing}
