# input: {"program": [["set", "x", 1], ["push"], ["set", "x", 2], ["set", "y", 3], ["get", "x"], ["pop"], ["get", "x"], ["get", "y"]]}
from collections import ChainMap


async def run(input_dict, tools):
    scope = ChainMap()
    reads = []
    for op, *args in input_dict["program"]:
        if op == "set":
            scope[args[0]] = args[1]
        elif op == "push":
            scope = scope.new_child()
        elif op == "pop":
            scope = scope.parents
        elif op == "get":
            reads.append(scope.get(args[0], "undefined"))
    return {"reads": reads, "depth": len(scope.maps)}
