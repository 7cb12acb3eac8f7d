# input: {"batches": [[1, 2], [3], [4, 5]]}
class Tally:
    def __init__(self):
        self.count = 0
        self.total = 0

    def __iadd__(self, values):
        self.count += len(values)
        self.total += sum(values)
        return self

    def __repr__(self):
        return f"Tally(count={self.count}, total={self.total})"


async def run(input_dict, tools):
    tally = Tally()
    for batch in input_dict["batches"]:
        tally += batch
    return {"tally": repr(tally), "mean": tally.total / tally.count}
