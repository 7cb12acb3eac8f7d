# input: {"code": 404}
class HttpError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code

    def __str__(self):
        return f"[{self.code}] {super().__str__()}"


async def run(input_dict, tools):
    error = HttpError(input_dict["code"], "not found")
    return {"text": str(error), "args": list(error.args)}
