# input: {"users": [{"name": "ada", "email": "ada@example.com"}, {"name": "bob", "email": "bob@example.com", "active": false}]}
from dataclasses import asdict, dataclass


@dataclass
class User:
    name: str
    email: str
    active: bool = True


async def run(input_dict, tools):
    users = [User(**row) for row in input_dict["users"]]
    active = [user.name for user in users if user.active]
    return {
        "users": [asdict(user) for user in users],
        "active": active,
        "repr": repr(users[0]),
        "equal": users[0] == User("ada", "ada@example.com"),
    }
