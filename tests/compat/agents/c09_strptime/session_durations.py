# input: {"sessions": [["2024-03-05 09:15:00", "2024-03-05 10:45:30"], ["2024-03-05 23:50:00", "2024-03-06 00:20:00"]]}
import datetime

FORMAT = "%Y-%m-%d %H:%M:%S"


async def run(input_dict, tools):
    durations = []
    for start_text, end_text in input_dict["sessions"]:
        start = datetime.datetime.strptime(start_text, FORMAT)
        end = datetime.datetime.strptime(end_text, FORMAT)
        durations.append((end - start).total_seconds())
    return {"durations": durations, "total_minutes": sum(durations) / 60}
