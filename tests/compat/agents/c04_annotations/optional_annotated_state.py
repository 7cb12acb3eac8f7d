# input: {"attempts": ["timeout", "refused", "ok"]}
from typing import Optional


async def run(input_dict, tools):
    last_error: Optional[str] = None
    succeeded_at: Optional[int] = None
    for number, outcome in enumerate(input_dict["attempts"], start=1):
        if outcome == "ok":
            succeeded_at = number
            break
        last_error = outcome
    return {"last_error": last_error, "succeeded_at": succeeded_at}
