# input: {"key": "session"}
from typing import Any

CACHE_TTL: int = 60
NAMESPACE: str = "sessions"
STORE: dict[str, Any] = {}


def cache_key(key: str) -> str:
    return f"{NAMESPACE}:{key}"


async def run(input_dict: dict[str, Any], tools: dict[str, Any]) -> dict[str, Any]:
    STORE[cache_key(input_dict["key"])] = {"ttl": CACHE_TTL}
    return {"store": STORE}
