# input: {"payload": {"items": [{"name": "lamp", "price": 30}, {"name": "desk", "price": 120}]}}
async def run(input_dict, tools):
    payload = input_dict["payload"]
    first = "{0[items][0][name]} costs {0[items][0][price]}".format(payload)
    second = "{p[items][1][name]} costs {p[items][1][price]}".format(p=payload)
    auto = "{[items]}".format(payload)
    return {"first": first, "second": second, "auto_len": len(auto)}
