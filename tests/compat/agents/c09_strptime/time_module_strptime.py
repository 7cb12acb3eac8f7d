# input: {"stamp": "05/03/2024 14:30"}
import time


async def run(input_dict, tools):
    parsed = time.strptime(input_dict["stamp"], "%d/%m/%Y %H:%M")
    return {
        "year": parsed.tm_year,
        "month": parsed.tm_mon,
        "day": parsed.tm_mday,
        "hour": parsed.tm_hour,
        "minute": parsed.tm_min,
        "weekday": parsed.tm_wday,
        "yday": parsed.tm_yday,
        "formatted": time.strftime("%Y-%m-%dT%H:%M", parsed),
    }
