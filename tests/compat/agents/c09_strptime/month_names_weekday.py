# input: {"dates": ["5 Mar 2024", "29 Feb 2024", "1 Jan 2025"]}
from datetime import datetime


async def run(input_dict, tools):
    rows = []
    for text in input_dict["dates"]:
        day = datetime.strptime(text, "%d %b %Y")
        rows.append({"iso": day.date().isoformat(), "weekday": day.strftime("%A"),
                     "week": day.isocalendar()[1]})
    return {"rows": rows}
