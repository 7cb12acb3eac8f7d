"""Cache an expensive computation and recompute it only when the cached copy is too old.

Pattern: cache-aside with a freshness check. The agent asks the ``count_primes`` tool (an
expensive call in a real host: an API, an LLM) only when the cache has no entry or the entry
is older than ``max_age_s``. The record's metadata says when and how it was computed, for
operators; the agent API returns values only, so the timestamp the freshness check reads
is kept in the value too.

Needs the ``count_primes`` tool from ``examples/tools.py``; input:
``{"limit": 100000, "max_age_s": 3600}``. Run it by hand with::

    sandbox-host run examples/agents/cached_computation.py --user alice --agent cache \
        --tools examples/tools.py --input '{"limit": 100000, "max_age_s": 3600}'

or three times -- computed, cached, and recomputed once stale -- with::

    python examples/run_workflows.py cache
"""

import datetime
import time


async def run(input_dict, tools):
    limit = int(input_dict.get("limit", 100000))
    max_age_s = float(input_dict.get("max_age_s", 3600))
    cache = data_store.use_namespace("cache:primes")
    key = f"primes-below:{limit}"

    now = time.time()
    cached = cache.get(key)
    if cached is not None:
        age_s = now - cached["computed_at"]
        if age_s <= max_age_s:
            print(f"cache hit for {key} ({age_s:.1f} s old)")
            return {"limit": limit, "primes": cached["primes"], "source": "cache",
                    "age_s": round(age_s, 3)}
        print(f"cached {key} is {age_s:.1f} s old, older than {max_age_s} s: recomputing")

    if "count_primes" not in tools:
        raise LookupError("this agent needs the count_primes tool (see examples/tools.py)")
    primes = tools["count_primes"](limit)
    computed_at = time.time()
    cache.set(
        key,
        {"primes": primes, "computed_at": computed_at},
        metadata={
            "computed_at": datetime.datetime.fromtimestamp(computed_at, datetime.UTC).isoformat(),
            "max_age_s": max_age_s,
            "source_tool": "count_primes",
        },
    )
    return {"limit": limit, "primes": primes, "source": "computed", "age_s": 0.0}
