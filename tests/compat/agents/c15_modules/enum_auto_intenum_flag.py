# input: {"perms": ["READ", "WRITE"]}
from enum import Flag, IntEnum, auto


class Priority(IntEnum):
    LOW = auto()
    MEDIUM = auto()
    HIGH = auto()


class Permission(Flag):
    READ = auto()
    WRITE = auto()
    DELETE = auto()


async def run(input_dict, tools):
    granted = Permission(0)
    for name in input_dict["perms"]:
        granted |= Permission[name]
    return {
        "priorities": [int(p) for p in Priority],
        "high_gt_low": Priority.HIGH > Priority.LOW,
        "sorted": [p.name for p in sorted([Priority.HIGH, Priority.LOW, Priority.MEDIUM])],
        "can_write": Permission.WRITE in granted,
        "can_delete": Permission.DELETE in granted,
        "value": granted.value,
    }
