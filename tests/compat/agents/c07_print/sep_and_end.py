# input: {"parts": ["2024", "03", "05"]}
async def run(input_dict, tools):
    parts = input_dict["parts"]
    print(parts[0], parts[1], parts[2], sep="-")
    print("no newline", end="")
    print(" continued", end="!\n")
    print("a", "b", "c", sep="")
    print("x", "y", sep=" | ", end=" END\n")
    return {"ok": True}
