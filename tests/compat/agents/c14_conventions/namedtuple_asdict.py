# input: {"rows": [["ada", 36, "london"], ["bob", 41, "paris"]]}
from collections import namedtuple

Person = namedtuple("Person", ["name", "age", "city"])


async def run(input_dict, tools):
    people = [Person(*row) for row in input_dict["rows"]]
    return {"people": [person._asdict() for person in people],
            "oldest": max(people, key=lambda person: person.age).name}
