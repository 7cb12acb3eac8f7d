"""Fan-out, step 2 of 3: process one task and store its result under the task's ID.

Input: ``{"job": "word-count", "task": "task-001"}``. See ``fanout_splitter.py``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py fan_out
"""

import collections
import re


async def run(input_dict, tools):
    job = input_dict["job"]
    task_id = input_dict["task"]
    task = data_store.use_namespace(f"tasks:{job}").get(task_id)
    if task is None:
        raise LookupError(f"no task {task_id!r} in job {job!r}; run the splitter first")

    words = re.findall(r"[a-z]+", task["text"].lower())
    counts = collections.Counter(words)
    result = {
        "document": task["document"],
        "words": len(words),
        "counts": dict(sorted(counts.items())),
    }
    data_store.use_namespace(f"results:{job}").set(task_id, result)
    return {"task": task_id, "result": result}
