# input: {"stamp": "2026-03-01T12:00:00+00:00"}
from datetime import datetime
from zoneinfo import ZoneInfo


async def run(input_dict, tools):
    when = datetime.fromisoformat(input_dict["stamp"])
    paris = when.astimezone(ZoneInfo("Europe/Paris"))
    tokyo = when.astimezone(ZoneInfo("Asia/Tokyo"))
    return {"paris": paris.isoformat(), "tokyo": tokyo.strftime("%H:%M %Z")}
