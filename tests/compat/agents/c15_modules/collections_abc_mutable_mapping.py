# input: {"writes": [["a", 1], ["b", 2], ["a", 3]]}
import collections.abc


class AuditedDict(collections.abc.MutableMapping):
    def __init__(self):
        self.store = {}
        self.log = []

    def __getitem__(self, key):
        return self.store[key]

    def __setitem__(self, key, value):
        self.log.append(f"set {key}")
        self.store[key] = value

    def __delitem__(self, key):
        self.log.append(f"del {key}")
        del self.store[key]

    def __iter__(self):
        return iter(self.store)

    def __len__(self):
        return len(self.store)


async def run(input_dict, tools):
    audited = AuditedDict()
    for key, value in input_dict["writes"]:
        audited[key] = value
    audited.update(c=4)
    audited.pop("b")
    audited.setdefault("d", 0)
    return {"data": dict(audited), "log": audited.log}
