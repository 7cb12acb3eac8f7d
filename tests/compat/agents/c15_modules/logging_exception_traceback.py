# input: {"text": "12x"}
import logging

logging.basicConfig(format="%(levelname)s:%(message)s")


def parse(text):
    return int(text)


async def run(input_dict, tools):
    try:
        parse(input_dict["text"])
    except ValueError:
        logging.exception("could not parse %r", input_dict["text"])
    return {"done": True}
