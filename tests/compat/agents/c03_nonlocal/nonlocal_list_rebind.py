# input: {"batches": [[1, 2], [3], [4, 5, 6]]}
async def run(input_dict, tools):
    buffer = []
    flushed = []

    def flush():
        nonlocal buffer
        if buffer:
            flushed.append(sum(buffer))
        buffer = []

    for batch in input_dict["batches"]:
        buffer = buffer + batch
        if len(buffer) >= 3:
            flush()
    flush()
    return {"flushed": flushed, "left": buffer}
