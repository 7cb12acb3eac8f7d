# input: {"dates": ["2024-02-30", "2024-13-01", "05.03.2024", "2024-03-05"]}
from datetime import datetime


async def run(input_dict, tools):
    valid = []
    errors = []
    for text in input_dict["dates"]:
        try:
            valid.append(datetime.strptime(text, "%Y-%m-%d").date().isoformat())
        except ValueError as exc:
            errors.append(str(exc))
    return {"valid": valid, "errors": errors}
