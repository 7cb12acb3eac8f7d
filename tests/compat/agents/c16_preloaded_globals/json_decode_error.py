# input: {"raw": ["{\"ok\": true}", "{bad json}", "[1, 2"]}
async def run(input_dict, tools):
    results = []
    for raw in input_dict["raw"]:
        try:
            results.append({"value": json.loads(raw)})
        except json.JSONDecodeError as exc:
            results.append({"error": exc.msg, "pos": exc.pos, "line": exc.lineno})
    return {"results": results}
