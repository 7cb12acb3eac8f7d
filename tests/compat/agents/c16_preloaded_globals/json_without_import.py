# input: {"payload": "{\"user\": \"ada\", \"items\": [1, 2, 3]}"}
async def run(input_dict, tools):
    data = json.loads(input_dict["payload"])
    data["count"] = len(data["items"])
    return {"data": data, "encoded": json.dumps(data, sort_keys=True)}
