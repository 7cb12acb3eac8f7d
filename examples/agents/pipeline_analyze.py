"""Pipeline stage 3 of 4: total the parsed rows by region, product and month.

Starts only when ``status:parse`` says ``done``. See ``pipeline_fetch.py`` for the pattern.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py pipeline
"""

import collections
import datetime


def now_iso():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run(input_dict, tools):
    job = data_store.use_namespace(f"pipeline:{input_dict.get('job', 'sales-2026-q1')}")
    previous = job.get("status:parse")
    if previous is None or previous["state"] != "done":
        return {"stage": "analyze", "ran": False, "waiting_for": "parse", "previous": previous}

    job.set("status:analyze", {"state": "running", "started_at": now_iso()})
    by_region = collections.Counter()
    by_product = collections.Counter()
    by_month = collections.Counter()
    for key, rows in job.get_many(job.list_keys(prefix="parsed:")).items():
        region = key.removeprefix("parsed:")
        for row in rows:
            revenue = row["units"] * row["unit_price"]
            by_region[region] += revenue
            by_product[row["product"]] += revenue
            by_month[row["month"]] += revenue

    analysis = {
        "revenue_by_region": {name: round(value, 2) for name, value in sorted(by_region.items())},
        "revenue_by_product": {name: round(value, 2) for name, value in sorted(by_product.items())},
        "revenue_by_month": {name: round(value, 2) for name, value in sorted(by_month.items())},
        "total_revenue": round(sum(by_region.values()), 2),
    }
    job.set("analysis", analysis)
    status = {"state": "done", "finished_at": now_iso()}
    job.set("status:analyze", status)
    return {"stage": "analyze", "ran": True, "status": status, "analysis": analysis}
