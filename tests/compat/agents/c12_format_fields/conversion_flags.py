# input: {"name": "Zoë", "tags": ["a", "b"]}
async def run(input_dict, tools):
    name = input_dict["name"]
    return {
        "repr": "{!r}".format(name),
        "str": "{!s}".format(name),
        "ascii": "{!a}".format(name),
        "mixed": "{0!r:>10} / {1}".format(name, input_dict["tags"]),
    }
