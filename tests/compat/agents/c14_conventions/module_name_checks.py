# input: {}
class Report:
    pass


def helper():
    return None


async def run(input_dict, tools):
    return {
        "not_main": __name__ != "__main__",
        "helper_same_module": helper.__module__ == __name__,
        "class_same_module": Report.__module__ == __name__,
        "is_str": isinstance(__name__, str),
    }
