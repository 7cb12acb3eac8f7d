"""Checkpointed batch processing: a long job that resumes where it stopped.

Pattern: after each item the agent writes its result and then a checkpoint
(``batch:{job}`` / ``checkpoint``: the item list and the index of the next item). A run that
is stopped -- by the run's time limit, a crash, or ``stop_after`` items -- loses at most the
item it was working on; the next run starts at the checkpoint. Results are written before
the checkpoint and overwrite on a repeat, so an item is never lost and processing it twice
is harmless.

Input: ``{"job": "thumbnails", "count": 8}``; optional ``stop_after`` (items this run),
``fail_on`` (an item to crash on, to try resuming), ``restart`` (start over).

    sandbox-host run examples/agents/batch.py --user alice --agent batch \\
        --input '{"count": 8, "stop_after": 3}'

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py batch
"""

import hashlib


def process(item):
    digest = hashlib.sha256(item.encode("utf-8")).hexdigest()
    return {"item": item, "fingerprint": digest[:12], "size": len(item) * 1024}


async def run(input_dict, tools):
    job = input_dict.get("job", "thumbnails")
    batch = data_store.use_namespace(f"batch:{job}")
    checkpoint = batch.get("checkpoint")
    if checkpoint is None or input_dict.get("restart"):
        batch.clear()
        count = int(input_dict.get("count", 8))
        items = input_dict.get("items") or [f"item-{n:02d}" for n in range(1, count + 1)]
        checkpoint = {"items": items, "next": 0, "runs": 0}

    # The item list comes from the checkpoint, so a resumed run works on the same items.
    items = checkpoint["items"]
    start = checkpoint["next"]
    checkpoint["runs"] += 1
    batch.set("checkpoint", checkpoint)

    stop_after = input_dict.get("stop_after")
    processed = []
    for index in range(start, len(items)):
        if stop_after is not None and len(processed) >= stop_after:
            break
        item = items[index]
        if item == input_dict.get("fail_on"):
            raise RuntimeError(f"simulated crash while processing {item}")
        batch.set(f"result:{item}", process(item))
        checkpoint["next"] = index + 1
        batch.set("checkpoint", checkpoint)
        processed.append(item)

    done = checkpoint["next"] >= len(items)
    print(f"job {job!r}: processed {len(processed)} items from index {start}; "
          f"{'finished' if done else 'more to do'}")
    return {
        "job": job,
        "resumed_from": start,
        "processed": processed,
        "next": checkpoint["next"],
        "total": len(items),
        "done": done,
        "runs": checkpoint["runs"],
    }
