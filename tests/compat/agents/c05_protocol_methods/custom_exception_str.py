# input: {"key": "profile", "namespace": "users"}
class KeyNotFound(Exception):
    def __init__(self, key, namespace):
        self.key = key
        self.namespace = namespace

    def __str__(self):
        return f"{self.key!r} not found in namespace {self.namespace!r}"


async def run(input_dict, tools):
    try:
        raise KeyNotFound(input_dict["key"], input_dict["namespace"])
    except KeyNotFound as exc:
        return {"message": str(exc), "key": exc.key, "formatted": f"error: {exc}"}
