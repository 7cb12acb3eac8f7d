"""Fan-out, step 3 of 3: gather every worker's result with one ``get_all`` and combine them.

Reports tasks that have no result yet instead of pretending the job is complete.
Input: ``{"job": "word-count"}``. See ``fanout_splitter.py``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py fan_out
"""

import collections


async def run(input_dict, tools):
    job = input_dict["job"]
    task_ids = data_store.use_namespace(f"tasks:{job}").list_keys()
    results = data_store.use_namespace(f"results:{job}").get_all()
    missing = [task_id for task_id in task_ids if task_id not in results]

    combined = collections.Counter()
    for result in results.values():
        combined.update(result["counts"])
    top = sorted(combined.items(), key=lambda item: (-item[1], item[0]))[:5]
    print(f"job {job!r}: {len(results)} of {len(task_ids)} tasks done")
    return {
        "job": job,
        "complete": not missing and bool(task_ids),
        "missing": missing,
        "results": results,
        "total_words": sum(result["words"] for result in results.values()),
        "top_words": [[word, count] for word, count in top],
    }
