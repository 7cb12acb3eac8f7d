# input: {"steps": ["a", "b"]}
from contextlib import contextmanager


@contextmanager
def section(log, name):
    log.append(f"enter {name}")
    try:
        yield name.upper()
    except ValueError as exc:
        log.append(f"handled {exc}")
    finally:
        log.append(f"exit {name}")


async def run(input_dict, tools):
    log = []
    for step in input_dict["steps"]:
        with section(log, step) as label:
            log.append(f"body {label}")
    with section(log, "failing"):
        raise ValueError("bad input")
    return {"log": log}
