# input: {"requests": [["GET", 200], ["POST", 201], ["GET", 404], ["DELETE", 500], ["PUT", 200]]}
def log_line(method, status):
    match (method, status):
        case ("GET", 200):
            return "read ok"
        case ("POST", 201):
            return "created"
        case (_, 404):
            return "not found"
        case (verb, code) if code >= 500:
            return f"{verb} failed with {code}"
        case (verb, _):
            return f"{verb} other"


async def run(input_dict, tools):
    return {"lines": [log_line(method, status) for method, status in input_dict["requests"]]}
