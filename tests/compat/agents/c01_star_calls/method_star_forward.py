# input: {"ops": [["set", "a", 1], ["set", "b", 2], ["incr", "a", 5], ["get", "a"]]}
class Cache:
    def __init__(self):
        self.data = {}

    def set(self, key, value):
        self.data[key] = value
        return value

    def incr(self, key, amount=1):
        self.data[key] = self.data.get(key, 0) + amount
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)


async def run(input_dict, tools):
    cache = Cache()
    results = []
    for name, *args in input_dict["ops"]:
        method = getattr(cache, name)
        results.append(method(*args))
    return {"results": results, "data": cache.data}
