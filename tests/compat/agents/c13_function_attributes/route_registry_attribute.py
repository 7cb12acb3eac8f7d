# input: {"path": "/stats"}
ROUTES = {}


def route(path, method="GET"):
    def register(func):
        func.path = path
        func.method = method
        ROUTES[path] = func
        return func

    return register


@route("/health")
def health():
    return {"status": "ok"}


@route("/stats", method="POST")
def stats():
    return {"requests": 12}


async def run(input_dict, tools):
    handler = ROUTES[input_dict["path"]]
    return {"method": handler.method, "path": handler.path, "body": handler(),
            "routes": sorted(ROUTES)}
