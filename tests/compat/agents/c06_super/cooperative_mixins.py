# input: {"text": "  Hello World  "}
class Step:
    def process(self, text, trail):
        trail.append("base")
        return text


class StripMixin(Step):
    def process(self, text, trail):
        trail.append("strip")
        return super().process(text.strip(), trail)


class LowerMixin(Step):
    def process(self, text, trail):
        trail.append("lower")
        return super().process(text.lower(), trail)


class Pipeline(StripMixin, LowerMixin):
    pass


async def run(input_dict, tools):
    trail = []
    result = Pipeline().process(input_dict["text"], trail)
    return {"result": result, "trail": trail}
