# input: {"inputs": ["12", "abc", null, "7"]}
async def run(input_dict, tools):
    report = []
    for raw in input_dict["inputs"]:
        try:
            report.append({"value": int(raw)})
        except Exception as e:
            report.append({"error": type(e).__name__, "message": str(e)})
    return {"report": report}
