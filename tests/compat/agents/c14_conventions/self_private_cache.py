# input: {"keys": ["a", "b", "a", "a"]}
class LookupService:
    def __init__(self):
        self._cache = {}
        self._misses = 0

    def _compute(self, key):
        self._misses += 1
        return key * 3

    def get(self, key):
        if key not in self._cache:
            self._cache[key] = self._compute(key)
        return self._cache[key]

    @property
    def misses(self):
        return self._misses


async def run(input_dict, tools):
    service = LookupService()
    values = [service.get(key) for key in input_dict["keys"]]
    return {"values": values, "misses": service.misses, "cached": sorted(service._cache)}
