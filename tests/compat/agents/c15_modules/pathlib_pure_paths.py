# input: {"path": "reports/2026/q1/summary.final.json"}
from pathlib import PurePosixPath


async def run(input_dict, tools):
    path = PurePosixPath(input_dict["path"])
    return {
        "name": path.name,
        "stem": path.stem,
        "suffixes": path.suffixes,
        "parent": str(path.parent),
        "parts": list(path.parts),
        "renamed": str(path.with_suffix(".csv")),
    }
