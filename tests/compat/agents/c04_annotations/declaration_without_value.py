# input: {"values": [3, 8, 1]}
async def run(input_dict, tools):
    total: int
    label: str
    values = input_dict["values"]
    total = sum(values)
    if total > 10:
        label = "large"
    else:
        label = "small"
    return {"total": total, "label": label}
