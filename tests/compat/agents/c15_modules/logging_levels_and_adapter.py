# input: {"user": "ada"}
import logging


class Collector(logging.Handler):
    def __init__(self, sink):
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record):
        self.sink.append([record.levelname, record.getMessage(), getattr(record, "user", None)])


async def run(input_dict, tools):
    sink = []
    logger = logging.getLogger("compat.levels.adapter")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = Collector(sink)
    logger.addHandler(handler)
    adapter = logging.LoggerAdapter(logger, {"user": input_dict["user"]})
    try:
        adapter.info("login")
        adapter.warning("password expires in %d days", 3)
        logger.critical("disk full")
        enabled = [logger.isEnabledFor(level) for level in (logging.DEBUG, logging.INFO)]
    finally:
        logger.removeHandler(handler)
    return {
        "sink": sink,
        "enabled": enabled,
        "level_names": [logging.getLevelName(n) for n in (10, 20, 30, 40, 50)],
        "effective": logging.getLevelName(logger.getEffectiveLevel()),
    }
