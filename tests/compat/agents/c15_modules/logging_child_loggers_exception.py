# input: {"values": ["1", "x"]}
import logging


class MessageList(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(
            {"logger": record.name, "level": record.levelno, "msg": record.getMessage(),
             "has_exc": record.exc_info is not None}
        )


async def run(input_dict, tools):
    parent = logging.getLogger("compat.pipeline")
    parent.setLevel(logging.INFO)
    parent.propagate = False
    handler = MessageList()
    parent.addHandler(handler)
    child = logging.getLogger("compat.pipeline.parse")
    try:
        for value in input_dict["values"]:
            try:
                child.info("parsed %s", int(value))
            except ValueError:
                child.exception("cannot parse %r", value)
    finally:
        parent.removeHandler(handler)
    return {"messages": handler.messages, "child_parent": child.parent.name}
