# input: {"name": "grace", "role": "owner", "team": "core"}
class Member:
    def __init__(self, name, role, team):
        self.name = name
        self.role = role
        self.team = team


async def run(input_dict, tools):
    member = Member(**input_dict)
    return {"line": "{0.name} ({0.role}) on team {0.team}".format(member),
            "swapped": "{1} before {0}".format("first", "second")}
