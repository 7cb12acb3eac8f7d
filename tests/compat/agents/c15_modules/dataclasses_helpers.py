# input: {"name": "ada", "age": 36}
import dataclasses


@dataclasses.dataclass
class Profile:
    name: str
    age: int
    tags: list = dataclasses.field(default_factory=list)


async def run(input_dict, tools):
    profile = Profile(**input_dict)
    older = dataclasses.replace(profile, age=profile.age + 1)
    return {
        "fields": [f.name for f in dataclasses.fields(Profile)],
        "older": dataclasses.asdict(older),
        "as_tuple": list(dataclasses.astuple(profile))[:2],
        "is_dataclass": dataclasses.is_dataclass(profile),
    }
