# input: {"env": {"HOST": "db", "PORT": "5432"}}
from collections.abc import Mapping


class ReadOnlyConfig(Mapping):
    def __init__(self, values):
        self.values = dict(values)

    def __getitem__(self, key):
        return self.values[key.upper()]

    def __iter__(self):
        return iter(sorted(self.values))

    def __len__(self):
        return len(self.values)


async def run(input_dict, tools):
    config = ReadOnlyConfig(input_dict["env"])
    return {
        "host": config["host"],
        "keys": list(config.keys()),
        "items": [list(item) for item in config.items()],
        "port_default": config.get("timeout", "30"),
        "has_port": "port" in config,
        "as_dict": dict(config),
    }
