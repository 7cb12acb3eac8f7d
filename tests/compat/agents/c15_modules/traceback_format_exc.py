# input: {"values": ["4", "four"]}
import traceback


def parse(text):
    return int(text)


async def run(input_dict, tools):
    reports = []
    for value in input_dict["values"]:
        try:
            parse(value)
        except ValueError:
            reports.append(traceback.format_exc())
    return {"reports": reports}
