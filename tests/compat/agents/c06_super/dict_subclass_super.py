# input: {"pairs": [["Name", "ada"], ["EMAIL", "ada@example.com"]]}
class LowerKeyDict(dict):
    def __setitem__(self, key, value):
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())


async def run(input_dict, tools):
    record = LowerKeyDict()
    for key, value in input_dict["pairs"]:
        record[key] = value
    return {"keys": sorted(record), "name": record["NAME"], "plain": dict(record)}
