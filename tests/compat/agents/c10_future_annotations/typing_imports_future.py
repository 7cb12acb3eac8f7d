# input: {"scores": {"ada": [90, 85], "bob": [70]}}
from __future__ import annotations

from typing import Callable, Dict, List, Optional

Aggregator = Callable[[List[int]], float]


def summarize(scores: Dict[str, List[int]], how: Optional[Aggregator] = None) -> Dict[str, float]:
    aggregate = how or (lambda values: sum(values) / len(values))
    return {name: aggregate(values) for name, values in scores.items()}


async def run(input_dict, tools):
    return {"mean": summarize(input_dict["scores"]),
            "best": summarize(input_dict["scores"], max)}
