# input: {"total": 4}
async def run(input_dict, tools):
    total = input_dict["total"]
    for done in range(1, total + 1):
        pct = done * 100 // total
        print(f"\rprogress {pct:3d}%", end="", flush=True)
    print()
    return {"total": total}
