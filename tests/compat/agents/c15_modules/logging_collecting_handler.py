# input: {"orders": [{"id": 1, "total": 50}, {"id": 2, "total": -5}, {"id": 3, "total": 500}]}
import logging


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


async def run(input_dict, tools):
    logger = logging.getLogger("compat.orders.collect")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = ListHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        for order in input_dict["orders"]:
            if order["total"] < 0:
                logger.error("order %s has a negative total", order["id"])
            elif order["total"] > 100:
                logger.warning("order %d is large: %s", order["id"], order["total"])
            else:
                logger.info("order %s ok", order["id"])
            logger.debug("never shown")
    finally:
        logger.removeHandler(handler)
    return {"lines": handler.lines}
