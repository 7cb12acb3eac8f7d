# input: {"items": [1, 2, 3]}
def build_summary(items, _context=None, *, _depth=0):
    context = _context or {}
    return {"count": len(items), "source": context.get("source", "unknown"), "depth": _depth}


async def run(input_dict, tools):
    plain = build_summary(input_dict["items"])
    with_context = build_summary(input_dict["items"], {"source": "api"}, _depth=1)
    _unused, second = "ignored", "kept"
    return {"plain": plain, "with_context": with_context, "second": second}
