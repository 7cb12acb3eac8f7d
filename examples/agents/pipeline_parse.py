"""Pipeline stage 2 of 4: parse the fetched CSV files into rows.

Starts only when ``status:fetch`` says ``done``; otherwise it reports what it is waiting
for instead of working on missing data. See ``pipeline_fetch.py`` for the pattern.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py pipeline
"""

import datetime


def now_iso():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_csv(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        row["units"] = int(row["units"])
        row["unit_price"] = float(row["unit_price"])
        rows.append(row)
    return rows


async def run(input_dict, tools):
    job = data_store.use_namespace(f"pipeline:{input_dict.get('job', 'sales-2026-q1')}")
    previous = job.get("status:fetch")
    if previous is None or previous["state"] != "done":
        return {"stage": "parse", "ran": False, "waiting_for": "fetch", "previous": previous}

    job.set("status:parse", {"state": "running", "started_at": now_iso()})
    raw = job.get_many(job.list_keys(prefix="raw:"))
    parsed = {}
    for key, document in raw.items():
        region = key.removeprefix("raw:").removesuffix(".csv")
        parsed[f"parsed:{region}"] = parse_csv(document["text"])
    job.set_many(parsed)

    rows = sum(len(value) for value in parsed.values())
    status = {"state": "done", "items": len(parsed), "rows": rows, "finished_at": now_iso()}
    job.set("status:parse", status)
    return {"stage": "parse", "ran": True, "status": status, "parsed": sorted(parsed)}
