# input: {"date": "2024-02-29"}
import datetime


async def run(input_dict, tools):
    parts = [int(part) for part in input_dict["date"].split("-")]
    day = datetime.date(*parts)
    return {"weekday": day.weekday(), "iso": day.isoformat(), "ordinal": day.toordinal()}
