# input: {}
from typing import Protocol, runtime_checkable


@runtime_checkable
class Closable(Protocol):
    def close(self) -> None: ...


class Connection:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


class Token:
    pass


async def run(input_dict, tools):
    resources = [Connection(), Token(), Connection()]
    closed = 0
    for resource in resources:
        if isinstance(resource, Closable):
            resource.close()
            closed += 1
    return {"closed": closed, "token_closable": isinstance(Token(), Closable)}
