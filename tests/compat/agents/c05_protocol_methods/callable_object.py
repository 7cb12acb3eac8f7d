# input: {"texts": ["hello", "hi", "greetings"]}
class Truncator:
    def __init__(self, width):
        self.width = width
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        if len(text) <= self.width:
            return text
        return text[: self.width - 1] + "~"


async def run(input_dict, tools):
    shorten = Truncator(5)
    out = list(map(shorten, input_dict["texts"]))
    return {"out": out, "calls": shorten.calls, "callable": callable(shorten)}
