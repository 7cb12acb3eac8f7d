# input: {"versions": ["1.10.0", "1.2.3", "0.9.12", "1.2.10"]}
from dataclasses import FrozenInstanceError, dataclass


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Version":
        major, minor, patch = (int(part) for part in text.split("."))
        return cls(major, minor, patch)


async def run(input_dict, tools):
    versions = sorted(Version.parse(text) for text in input_dict["versions"])
    try:
        versions[0].major = 99
        mutated = True
    except FrozenInstanceError:
        mutated = False
    unique = len({Version(1, 2, 3), Version(1, 2, 3), Version(1, 2, 4)})
    return {
        "sorted": [f"{v.major}.{v.minor}.{v.patch}" for v in versions],
        "newest": str(max(versions)),
        "mutated": mutated,
        "unique": unique,
    }
