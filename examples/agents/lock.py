"""Advisory lock with expiry: let one agent at a time work on a shared resource.

Pattern: a lock record ``locks`` / ``{resource}`` holding the owner and an expiry time.
``acquire`` succeeds when the lock is free, expired, or already ours (then it is renewed);
``release`` deletes it only for its owner. The expiry means a holder that crashed cannot
block everyone forever.

Advisory and best effort: the store has no transactions (last write wins), so two agents
acquiring in the same instant could both write. The agent reads the lock back after
writing and only reports success if its own write survived, which narrows that window;
work that must never run twice needs a real transaction elsewhere.

Agents cannot read their own agent name, so the caller says who the owner is.
Input: ``{"action": "acquire" | "release" | "status", "resource": "report-db",
"owner": "nightly-report", "ttl_s": 30}``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py lock
"""

import time


async def run(input_dict, tools):
    action = input_dict.get("action", "acquire")
    resource = input_dict["resource"]
    owner = input_dict.get("owner", "")
    locks = data_store.use_namespace("locks")
    now = time.time()
    current = locks.get(resource)
    live = current is not None and current["expires_at"] > now

    if action == "status":
        return {"resource": resource, "locked": live, "lock": current if live else None}

    if not owner:
        raise ValueError("input 'owner' is required to acquire or release a lock")

    if action == "release":
        if live and current["owner"] == owner:
            locks.delete(resource)
            return {"resource": resource, "released": True}
        return {"resource": resource, "released": False,
                "held_by": current["owner"] if live else None}

    if action != "acquire":
        raise ValueError(f"unknown action {action!r}; use acquire, release or status")

    if live and current["owner"] != owner:
        return {"resource": resource, "acquired": False, "held_by": current["owner"],
                "expires_in_s": round(current["expires_at"] - now, 3)}

    ttl_s = float(input_dict.get("ttl_s", 30))
    lock = {"owner": owner, "acquired_at": now, "expires_at": now + ttl_s}
    locks.set(resource, lock, metadata={"ttl_s": ttl_s})
    # Read back: if another agent wrote in between, its write won and we do not hold it.
    written = locks.get(resource)
    if written is None or written["owner"] != owner:
        return {"resource": resource, "acquired": False,
                "held_by": written["owner"] if written else None}
    took_over = current["owner"] if current is not None and not live else None
    return {"resource": resource, "acquired": True, "renewed": live,
            "took_over_expired_lock_of": took_over, "expires_in_s": ttl_s}
