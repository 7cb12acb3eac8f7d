# input: {"dates": ["2024-03-05", "2023-12-31"]}
from datetime import datetime


async def run(input_dict, tools):
    parsed = [datetime.strptime(text, "%Y-%m-%d") for text in input_dict["dates"]]
    gap = (parsed[0] - parsed[1]).days
    return {"iso": [d.isoformat() for d in parsed], "gap_days": gap}
