# input: {"ops": ["add", "sub", "mul", "pow"]}
class Op:
    ADD = "add"
    SUB = "sub"
    MUL = "mul"


def apply(op, a, b):
    match op:
        case Op.ADD:
            return a + b
        case Op.SUB:
            return a - b
        case Op.MUL:
            return a * b
        case _:
            return None


async def run(input_dict, tools):
    return {"results": {op: apply(op, 6, 3) for op in input_dict["ops"]}}
