# input: {"n": 3}
import logging


async def run(input_dict, tools):
    logging.info("before configuration: not shown")
    logging.warning("first warning configures the root logger")
    logging.error("count is %s", input_dict["n"])
    root = logging.getLogger()
    return {"handlers": len(root.handlers), "level": logging.getLevelName(root.level)}
