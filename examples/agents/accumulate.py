"""Accumulate results across runs: one record per analysed file, totals over all of them.

Pattern: each run adds one result to a namespace (``code-summaries``); the agent then reads
the whole namespace with one ``get_all`` to report on everything analysed so far.

Run it once per file::

    sandbox-host run examples/agents/accumulate.py --user alice --agent analyser \\
        --input '{"file": "cart.py", "text": "def add_item(cart, sku):\n    return cart\n"}'
"""

import re


def analyse(text):
    lines = text.splitlines()
    return {
        "lines": len(lines),
        "blank_lines": sum(1 for line in lines if not line.strip()),
        "words": len(text.split()),
        "functions": re.findall(r"^\s*(?:async\s+)?def\s+(\w+)", text, re.MULTILINE),
        "todos": len(re.findall(r"\bTODO\b", text)),
    }


async def run(input_dict, tools):
    file_name = input_dict["file"]
    analysis = analyse(input_dict.get("text", ""))
    summaries = data_store.use_namespace("code-summaries")
    summaries.set(file_name, analysis)

    everything = summaries.get_all()
    totals = {"lines": 0, "words": 0, "functions": 0, "todos": 0}
    for result in everything.values():
        totals["lines"] += result["lines"]
        totals["words"] += result["words"]
        totals["functions"] += len(result["functions"])
        totals["todos"] += result["todos"]
    print(f"analysed {file_name}; {len(everything)} files so far")
    return {
        "file": file_name,
        "analysis": analysis,
        "total_analyzed": len(everything),
        "files": sorted(everything),
        "totals": totals,
    }
