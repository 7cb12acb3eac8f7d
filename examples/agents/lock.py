"""A lock with expiry: let one agent at a time work on a shared resource.

Pattern: the lock is the record ``locks`` / ``{resource}``, created with
``set_if_absent(..., ttl=...)``. Creating it is atomic, so of agents acquiring at the same
moment exactly one gets it; the ``ttl`` makes it expire on its own, so a holder that crashed
blocks the others for ``ttl_s`` seconds at most. Renewing and releasing use
``compare_and_set``, which changes the lock only if it is still the version the holder read:
a holder whose lock expired and was taken by another agent can neither renew nor release the
other agent's lock. A released lock is kept as ``{"owner": null}`` until it expires, and
acquiring takes it over with ``compare_and_set`` too.

Agents cannot read their own agent name, so the caller says who the owner is.
Input: ``{"action": "acquire" | "renew" | "release" | "status", "resource": "report-db",
"owner": "nightly-report", "ttl_s": 30}``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py lock
"""


def holder(lock):
    return lock["value"]["owner"] if lock is not None else None


async def run(input_dict, tools):
    action = input_dict.get("action", "acquire")
    resource = input_dict["resource"]
    owner = input_dict.get("owner", "")
    ttl_s = float(input_dict.get("ttl_s", 30))
    locks = data_store.use_namespace("locks")

    if action == "status":
        lock = locks.get_record(resource)
        return {"resource": resource, "locked": holder(lock) is not None,
                "held_by": holder(lock), "expires_at": lock["expiresAt"] if lock else None}

    if not owner:
        raise ValueError("input 'owner' is required to acquire, renew or release a lock")

    if action == "acquire":
        lock = None
        for _attempt in range(3):  # the lock may expire or be released between the calls
            if locks.set_if_absent(resource, {"owner": owner}, ttl=ttl_s):
                return {"resource": resource, "acquired": True, "expires_in_s": ttl_s}
            lock = locks.get_record(resource)
            if lock is not None and holder(lock) is None and locks.compare_and_set(
                    resource, {"owner": owner}, lock["version"], ttl=ttl_s):
                return {"resource": resource, "acquired": True, "expires_in_s": ttl_s}
            if holder(lock) is not None:
                break
        return {"resource": resource, "acquired": False, "held_by": holder(lock)}

    if action not in ("renew", "release"):
        raise ValueError(f"unknown action {action!r}; use acquire, renew, release or status")

    done = "renewed" if action == "renew" else "released"
    lock = locks.get_record(resource)
    if holder(lock) != owner:
        return {"resource": resource, done: False, "held_by": holder(lock)}
    new_holder = owner if action == "renew" else None
    changed = locks.compare_and_set(resource, {"owner": new_holder}, lock["version"], ttl=ttl_s)
    return {"resource": resource, done: changed}
