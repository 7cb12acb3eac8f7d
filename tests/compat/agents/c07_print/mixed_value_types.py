# input: {"record": {"id": 7, "tags": ["x", "y"], "score": 1.5, "active": true, "owner": null}}
async def run(input_dict, tools):
    record = input_dict["record"]
    print(record["id"], record["tags"], record["score"], record["active"], record["owner"])
    print(record)
    print(("tuple", 1), {"set"}, 3 + 4j, b"bytes")
    return {"fields": len(record)}
