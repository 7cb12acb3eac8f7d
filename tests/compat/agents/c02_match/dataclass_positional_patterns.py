# input: {"events": [["click", 10, 20], ["key", "q"], ["click", 0, 0], ["scroll", 3]]}
from dataclasses import dataclass


@dataclass
class Click:
    x: int
    y: int


@dataclass
class Key:
    name: str


def make(event):
    kind, *args = event
    if kind == "click":
        return Click(*args)
    if kind == "key":
        return Key(*args)
    return event


def describe(event):
    match event:
        case Click(0, 0):
            return "click at origin"
        case Click(x, y):
            return f"click at {x},{y}"
        case Key("q"):
            return "quit"
        case Key(name):
            return f"key {name}"
        case [kind, *_]:
            return f"raw {kind}"


async def run(input_dict, tools):
    return {"described": [describe(make(event)) for event in input_dict["events"]]}
