# input: {"level": "warn"}
from __future__ import annotations

import enum


class Level(enum.Enum):
    DEBUG = 10
    INFO = 20
    WARN = 30

    @classmethod
    def parse(cls, text: str) -> Level:
        return cls[text.upper()]

    def at_least(self, other: Level) -> bool:
        return self.value >= other.value


async def run(input_dict, tools):
    level = Level.parse(input_dict["level"])
    return {"name": level.name, "value": level.value, "at_least_info": level.at_least(Level.INFO)}
