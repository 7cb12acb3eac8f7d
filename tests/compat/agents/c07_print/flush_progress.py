# input: {"steps": ["fetch", "parse", "store"]}
async def run(input_dict, tools):
    steps = input_dict["steps"]
    for number, step in enumerate(steps, start=1):
        print(f"[{number}/{len(steps)}] {step}", flush=True)
    print("done", flush=True)
    return {"steps": len(steps)}
