# input: {"mode": "append"}
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:
    from collections.abc import Iterable

Mode = Literal["overwrite", "append", "skip"]
MAX_ITEMS: Final = 3


def apply(existing: list, new: "Iterable[str]", mode: Mode) -> list:
    if mode == "overwrite":
        return list(new)[:MAX_ITEMS]
    if mode == "append":
        return (existing + list(new))[:MAX_ITEMS]
    return existing


async def run(input_dict, tools):
    mode = input_dict["mode"]
    return {"valid": mode in get_args(Mode), "result": apply(["a"], ["b", "c", "d"], mode),
            "modes": list(get_args(Mode))}
