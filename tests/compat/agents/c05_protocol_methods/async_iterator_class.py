# input: {"pages": [["a", "b"], ["c"], ["d", "e"]]}
import asyncio


class Pager:
    def __init__(self, pages):
        self.pages = pages
        self.index = 0

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.index >= len(self.pages):
            raise StopAsyncIteration
        await asyncio.sleep(0)
        page = self.pages[self.index]
        self.index += 1
        return page


async def run(input_dict, tools):
    items = []
    pages = 0
    async for page in Pager(input_dict["pages"]):
        pages += 1
        items.extend(page)
    collected = [len(page) async for page in Pager(input_dict["pages"])]
    return {"items": items, "pages": pages, "sizes": collected}
