# input: {"lines": ["GET /api/users 200 12ms", "POST /api/orders 201 48ms", "junk line"]}
PATTERN = re.compile(r"(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) (?P<ms>\d+)ms")


async def run(input_dict, tools):
    parsed = []
    for line in input_dict["lines"]:
        match = PATTERN.fullmatch(line)
        if match:
            entry = match.groupdict()
            entry["ms"] = int(entry["ms"])
            parsed.append(entry)
    return {"parsed": parsed, "flags": bool(re.IGNORECASE & re.compile("a", re.I).flags)}
