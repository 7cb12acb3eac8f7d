# input: {"start": 3}
class Countdown:
    def __init__(self, start):
        self.current = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.current <= 0:
            raise StopIteration
        self.current -= 1
        return self.current + 1


async def run(input_dict, tools):
    steps = list(Countdown(input_dict["start"]))
    it = Countdown(2)
    first = next(it)
    second = next(it)
    third = next(it, "done")
    return {"steps": steps, "manual": [first, second, third]}
