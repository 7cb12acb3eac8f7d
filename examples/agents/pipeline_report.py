"""Pipeline stage 4 of 4: turn the analysis into a short report, and show every stage's status.

Starts only when ``status:analyze`` says ``done``. Reads all status records with one
``list_keys(prefix="status:")`` and ``get_many``. See ``pipeline_fetch.py`` for the pattern.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py pipeline
"""

import datetime


def now_iso():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run(input_dict, tools):
    job_name = input_dict.get("job", "sales-2026-q1")
    job = data_store.use_namespace(f"pipeline:{job_name}")
    previous = job.get("status:analyze")
    if previous is None or previous["state"] != "done":
        return {"stage": "report", "ran": False, "waiting_for": "analyze", "previous": previous}

    analysis = job.get("analysis")
    regions = analysis["revenue_by_region"]
    best = max(regions, key=regions.get)
    lines = [
        f"Sales report {job_name}",
        f"Total revenue: {analysis['total_revenue']:.2f}",
        f"Best region: {best} ({regions[best]:.2f})",
    ]
    lines += [f"  {name}: {value:.2f}" for name, value in analysis["revenue_by_product"].items()]
    report = {"job": job_name, "text": "\n".join(lines), "best_region": best,
              "total_revenue": analysis["total_revenue"]}
    job.set("report", report)
    job.set("status:report", {"state": "done", "finished_at": now_iso()})

    statuses = job.get_many(job.list_keys(prefix="status:"))
    print(report["text"])
    return {
        "stage": "report",
        "ran": True,
        "report": report,
        "stages": {key.removeprefix("status:"): value["state"] for key, value in statuses.items()},
    }
