# input: {"sections": {"Summary": ["all good"], "Warnings": ["disk 91%", "slow query"]}}
async def run(input_dict, tools):
    for title, lines in input_dict["sections"].items():
        print(title)
        print("=" * len(title))
        print(*lines, sep="\n")
        print()
    return {"sections": len(input_dict["sections"])}
