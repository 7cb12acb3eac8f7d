# input: {"text": "{'retries': 3, 'hosts': ['a', 'b'], 'debug': False}"}
import ast


async def run(input_dict, tools):
    config = ast.literal_eval(input_dict["text"])
    try:
        ast.literal_eval("__import__('os')")
        unsafe = "evaluated"
    except ValueError:
        unsafe = "refused"
    return {"config": config, "unsafe": unsafe}
