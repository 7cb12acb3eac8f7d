# input: {"keys": ["a", "missing", "b"]}
from contextlib import ExitStack, suppress


class Resource:
    def __init__(self, name, log):
        self.name = name
        self.log = log

    def __enter__(self):
        self.log.append(f"open {self.name}")
        return self

    def __exit__(self, *exc_info):
        self.log.append(f"close {self.name}")
        return False


async def run(input_dict, tools):
    data = {"a": 1, "b": 2}
    found = []
    for key in input_dict["keys"]:
        with suppress(KeyError):
            found.append(data[key])
    log = []
    with ExitStack() as stack:
        resources = [stack.enter_context(Resource(name, log)) for name in ("db", "cache")]
        stack.callback(log.append, "callback")
        log.append(f"using {len(resources)}")
    return {"found": found, "log": log}
