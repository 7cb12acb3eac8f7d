# input: {"limit": 2}
class Buffer(object):
    def __init__(self, limit):
        self.limit = limit
        self.items = []

    def add(self, item):
        self.items.append(item)


class BoundedBuffer(Buffer):
    def __init__(self, limit):
        super(BoundedBuffer, self).__init__(limit)
        self.dropped = 0

    def add(self, item):
        if len(self.items) >= self.limit:
            self.dropped += 1
            return
        super(BoundedBuffer, self).add(item)


async def run(input_dict, tools):
    buffer = BoundedBuffer(input_dict["limit"])
    for item in ["a", "b", "c", "d"]:
        buffer.add(item)
    return {"items": buffer.items, "dropped": buffer.dropped}
