# input: {"documents": ["{\"title\": \"Alpha report\", \"words\": 120}", "{\"title\": \"beta notes\", \"words\": 30}", "not json"]}
async def parse(raw):
    await asyncio.sleep(0)
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError:
        return None
    doc["slug"] = re.sub(r"[^a-z0-9]+", "-", doc["title"].lower()).strip("-")
    return doc


async def run(input_dict, tools):
    parsed = await asyncio.gather(*(parse(raw) for raw in input_dict["documents"]))
    good = [doc for doc in parsed if doc is not None]
    return {"slugs": [doc["slug"] for doc in good], "skipped": len(parsed) - len(good)}
