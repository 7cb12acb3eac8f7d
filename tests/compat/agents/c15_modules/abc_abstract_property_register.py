# input: {}
import abc


class Storage(abc.ABC):
    @property
    @abc.abstractmethod
    def name(self):
        ...

    @abc.abstractmethod
    def get(self, key):
        ...


class MemoryStorage(Storage):
    def __init__(self):
        self.data = {"k": "v"}

    @property
    def name(self):
        return "memory"

    def get(self, key):
        return self.data.get(key)


class Incomplete(Storage):
    @property
    def name(self):
        return "incomplete"


async def run(input_dict, tools):
    storage = MemoryStorage()
    try:
        Incomplete()
        incomplete = "created"
    except TypeError:
        incomplete = "refused"
    return {"name": storage.name, "value": storage.get("k"), "incomplete": incomplete,
            "is_storage": isinstance(storage, Storage)}
