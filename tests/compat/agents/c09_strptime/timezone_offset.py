# input: {"stamp": "2024-03-05T10:00:00+0200"}
from datetime import datetime, timezone


async def run(input_dict, tools):
    local = datetime.strptime(input_dict["stamp"], "%Y-%m-%dT%H:%M:%S%z")
    utc = local.astimezone(timezone.utc)
    return {"utc": utc.isoformat(), "offset_h": local.utcoffset().total_seconds() / 3600}
