# input: {"lines": ["[2024-03-05 10:00:01] INFO start", "[2024-03-05 10:00:04] WARN slow", "[2024-03-05 10:01:00] INFO stop"]}
import re
from datetime import datetime

LINE = re.compile(r"\[(?P<stamp>[^\]]+)\] (?P<level>\w+) (?P<message>.*)")


async def run(input_dict, tools):
    entries = []
    for line in input_dict["lines"]:
        match = LINE.match(line)
        when = datetime.strptime(match["stamp"], "%Y-%m-%d %H:%M:%S")
        entries.append((when, match["level"], match["message"]))
    elapsed = (entries[-1][0] - entries[0][0]).seconds
    warnings = [message for _, level, message in entries if level == "WARN"]
    return {"elapsed_s": elapsed, "warnings": warnings}
