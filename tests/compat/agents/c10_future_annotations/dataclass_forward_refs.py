# input: {"tree": {"name": "root", "children": [{"name": "a", "children": []}, {"name": "b", "children": [{"name": "c", "children": []}]}]}}
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Folder:
    name: str
    children: list[Folder] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: dict) -> Folder:
        return cls(raw["name"], [cls.from_dict(child) for child in raw["children"]])

    def count(self) -> int:
        return 1 + sum(child.count() for child in self.children)


async def run(input_dict, tools):
    root = Folder.from_dict(input_dict["tree"])
    return {"count": root.count(), "names": [child.name for child in root.children]}
