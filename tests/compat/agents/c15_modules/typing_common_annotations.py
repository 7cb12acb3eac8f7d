# input: {"records": [{"id": 1, "score": 9.5}, {"id": 2}]}
from typing import Any, Callable, Dict, List, Optional, Tuple, Union, cast

Record = Dict[str, Any]
Scorer = Callable[[Record], float]


def score_of(record: Record) -> float:
    return float(record.get("score", 0))


def rank(records: List[Record], scorer: Optional[Scorer] = None) -> List[Tuple[int, float]]:
    scorer = scorer or score_of
    return sorted(((r["id"], scorer(r)) for r in records), key=lambda pair: -pair[1])


def label(value: Union[int, str]) -> str:
    return cast(str, f"#{value}")


async def run(input_dict: Dict[str, Any], tools: Dict[str, Any]) -> Dict[str, Any]:
    ranked = rank(input_dict["records"])
    return {"ranked": [[label(i), s] for i, s in ranked]}
