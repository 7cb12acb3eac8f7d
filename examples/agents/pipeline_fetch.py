"""Pipeline stage 1 of 4 (fetch → parse → analyze → report): download the raw files.

Pattern: a multi-stage pipeline where every stage is its own agent. Stages hand data on
through one namespace per job (``pipeline:{job}``) and write a status record
(``status:{stage}``) so the next stage knows whether it may start, and an operator can see
how far a job got.

Needs the ``fetch`` tool (see ``examples/tools.py``); the workflow
``examples/workflows/pipeline.toml`` runs all four stages.

Run the whole workflow (offline tools included)::

    python examples/run_workflows.py pipeline
"""

import datetime

DEFAULT_URLS = [
    "https://intranet.example/sales/2026-q1/north.csv",
    "https://intranet.example/sales/2026-q1/south.csv",
    "https://intranet.example/sales/2026-q1/west.csv",
]


def now_iso():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run(input_dict, tools):
    job = data_store.use_namespace(f"pipeline:{input_dict.get('job', 'sales-2026-q1')}")
    urls = input_dict.get("urls", DEFAULT_URLS)
    job.set("status:fetch", {"state": "running", "started_at": now_iso()})

    fetched, failed = {}, []
    for url in urls:
        response = await tools["fetch"](url)
        name = url.rsplit("/", 1)[-1]
        if response["status"] == 200:
            fetched[f"raw:{name}"] = {"url": url, "text": response["text"]}
        else:
            failed.append({"url": url, "status": response["status"]})
    job.set_many(fetched)

    state = "done" if fetched and not failed else "failed"
    status = {"state": state, "items": len(fetched), "failed": failed, "finished_at": now_iso()}
    job.set("status:fetch", status)
    return {"stage": "fetch", "ran": True, "status": status, "fetched": sorted(fetched)}
