# input: {"words": ["a", "bb", "a", "ccc"]}
from __future__ import annotations

from collections import Counter


async def run(input_dict, tools):
    counts: Counter[str] = Counter(input_dict["words"])
    longest: str | None = max(counts, key=len) if counts else None
    ranking: list[tuple[str, int]] = counts.most_common()
    return {"longest": longest, "ranking": [list(pair) for pair in ranking]}
