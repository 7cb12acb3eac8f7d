"""Cache an expensive computation for a while: the cache entry expires on its own.

Pattern: cache-aside with a time to live. The agent asks the ``count_primes`` tool (an
expensive call in a real host: an API, an LLM) only when the cache has no entry; it stores
the result with ``ttl=ttl_s``, so the entry disappears from every read ``ttl_s`` seconds
later and the next run computes it again. No timestamp to compare, no stale entry to clean
up: expired records are removed by the store. The record's metadata says how the entry was
computed, for operators.

Needs the ``count_primes`` tool from ``examples/tools.py``; input:
``{"limit": 100000, "ttl_s": 3600}``. Run it by hand with::

    sandbox-host run examples/agents/cached_computation.py --user alice --agent cache \
        --tools examples/tools.py --input '{"limit": 100000, "ttl_s": 3600}'

or three times -- computed, cached, and recomputed once expired -- with::

    python examples/run_workflows.py cache
"""

import datetime


async def run(input_dict, tools):
    limit = int(input_dict.get("limit", 100000))
    ttl_s = float(input_dict.get("ttl_s", 3600))
    cache = data_store.use_namespace("cache:primes")
    key = f"primes-below:{limit}"

    cached = cache.get_record(key)
    if cached is not None:
        print(f"cache hit for {key} (expires at {cached['expiresAt']})")
        return {"limit": limit, "primes": cached["value"], "source": "cache"}

    if "count_primes" not in tools:
        raise LookupError("this agent needs the count_primes tool (see examples/tools.py)")
    primes = tools["count_primes"](limit)
    computed_at = datetime.datetime.now(datetime.UTC).isoformat()
    cache.set(key, primes, ttl=ttl_s,
              metadata={"computed_at": computed_at, "ttl_s": ttl_s, "source_tool": "count_primes"})
    return {"limit": limit, "primes": primes, "source": "computed"}
