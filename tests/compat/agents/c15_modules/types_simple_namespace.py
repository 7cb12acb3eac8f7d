# input: {"name": "ada", "age": 36}
from types import SimpleNamespace


async def run(input_dict, tools):
    person = SimpleNamespace(**input_dict)
    person.age += 1
    person.city = "London"
    return {"person": vars(person), "repr": repr(person)}
