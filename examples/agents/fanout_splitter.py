"""Fan-out, step 1 of 3: split a job into tasks, one record per task.

Pattern: fan-out / fan-in. The splitter writes one task per document into ``tasks:{job}``;
the host runs ``fanout_worker.py`` once per task (in parallel if it likes: workers write
different keys, and the store never loses updates of different keys); ``fanout_collector.py``
gathers every result with one ``get_all``. The workflow ``examples/workflows/fan_out.toml``
runs all three.

Input: ``{"job": "word-count", "documents": {"name": "text", ...}}``.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py fan_out
"""

DEFAULT_DOCUMENTS = {
    "invoices": "Invoices are created for every order. An invoice lists the order lines.",
    "reminders": "A reminder is sent when an invoice is overdue. One reminder per week.",
    "checkout": "The checkout form checks the address, then billing creates the invoice.",
}


async def run(input_dict, tools):
    job = input_dict.get("job", "word-count")
    documents = input_dict.get("documents", DEFAULT_DOCUMENTS)
    tasks = data_store.use_namespace(f"tasks:{job}")
    # A re-run of the job starts clean: old tasks and results would mix with the new ones.
    tasks.clear()
    data_store.use_namespace(f"results:{job}").clear()

    items = {}
    for number, name in enumerate(sorted(documents), start=1):
        items[f"task-{number:03d}"] = {"document": name, "text": documents[name]}
    tasks.set_many(items, metadata={"job": job})
    print(f"split job {job!r} into {len(items)} tasks")
    return {"job": job, "tasks": sorted(items)}
