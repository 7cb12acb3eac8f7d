# input: {"key": "orders:42"}
class StoreError(Exception):
    pass


class MissingKeyError(StoreError):
    def __init__(self, key):
        super().__init__(f"key {key!r} does not exist")
        self.key = key


async def run(input_dict, tools):
    try:
        raise MissingKeyError(input_dict["key"])
    except StoreError as exc:
        return {"message": str(exc), "args": list(exc.args), "key": exc.key}
