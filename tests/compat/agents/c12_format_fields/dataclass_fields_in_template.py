# input: {"city": "Oslo", "temp": -3.5}
from dataclasses import dataclass


@dataclass
class Reading:
    city: str
    temp: float


async def run(input_dict, tools):
    reading = Reading(**input_dict)
    return {"auto": "{.city}: {.temp:+.1f}C".format(reading, reading),
            "named": "{r.city} at {r.temp}".format(r=reading)}
