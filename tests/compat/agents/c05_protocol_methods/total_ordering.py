# input: {"tasks": [["deploy", 2], ["backup", 1], ["report", 3], ["audit", 1]]}
import functools


@functools.total_ordering
class Task:
    def __init__(self, name, priority):
        self.name = name
        self.priority = priority

    def __eq__(self, other):
        return (self.priority, self.name) == (other.priority, other.name)

    def __lt__(self, other):
        return (self.priority, self.name) < (other.priority, other.name)


async def run(input_dict, tools):
    tasks = [Task(name, priority) for name, priority in input_dict["tasks"]]
    ordered = sorted(tasks)
    return {
        "order": [task.name for task in ordered],
        "first_ge_last": ordered[0] >= ordered[-1],
        "max": max(tasks).name,
    }
