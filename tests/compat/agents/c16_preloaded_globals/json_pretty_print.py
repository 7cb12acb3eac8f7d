# input: {"report": {"zeta": 1, "alpha": {"nested": [1, 2]}, "name": "Zoë"}}
async def run(input_dict, tools):
    print(json.dumps(input_dict["report"], indent=2, sort_keys=True))
    compact = json.dumps(input_dict["report"], separators=(",", ":"), ensure_ascii=False)
    return {"compact": compact, "ascii": json.dumps("Zoë")}
