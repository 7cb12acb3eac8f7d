# input: {"raw": ["12", "x", null, "7"]}
from __future__ import annotations

from typing import Any


def to_int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


async def run(input_dict: dict[str, Any], tools: dict[str, Any]) -> dict[str, Any]:
    return {"parsed": [to_int(value, -1) for value in input_dict["raw"]]}
