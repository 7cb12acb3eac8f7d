# input: {"ttl": null}
_DEFAULT_TTL = 300
_MAX_TTL = 3600
__version__ = "1.2.0"


def _clamp(value, low, high):
    return max(low, min(high, value))


async def run(input_dict, tools):
    ttl = input_dict.get("ttl") or _DEFAULT_TTL
    return {"ttl": _clamp(ttl, 1, _MAX_TTL), "version": __version__,
            "clamped": _clamp(10_000, 1, _MAX_TTL)}
