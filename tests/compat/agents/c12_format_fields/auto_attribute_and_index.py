# input: {"name": "ada", "roles": ["admin", "editor"]}
class User:
    def __init__(self, name):
        self.name = name


async def run(input_dict, tools):
    user = User(input_dict["name"])
    roles = input_dict["roles"]
    line = "{.name} is {[0]}".format(user, roles)
    return {"line": line}
