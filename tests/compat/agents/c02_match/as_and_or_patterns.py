# input: {"codes": [200, 201, 204, 301, 404, 418, 500, 503]}
def bucket(code):
    match code:
        case (200 | 201 | 204) as ok:
            return f"success {ok}"
        case 301 | 302:
            return "redirect"
        case (400 | 404) as missing:
            return f"client error {missing}"
        case 500 | 502 | 503:
            return "server error"
        case other:
            return f"unexpected {other}"


async def run(input_dict, tools):
    return {"buckets": [bucket(code) for code in input_dict["codes"]]}
