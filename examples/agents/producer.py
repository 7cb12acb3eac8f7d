"""Producer of a producer → consumer pair: publish a report into a shared namespace.

Pattern: agents of one user share data through a namespace both of them know
(``shared-reports``). The store records which agent created the report; the consumer
(``consumer.py``) becomes its ``lastAccessedByAgent`` when it reads it. Another user's
agents never see it.

Run it, then the consumer::

    sandbox-host run examples/agents/producer.py --user alice --agent report-producer
    sandbox-host run examples/agents/consumer.py --user alice --agent report-consumer
"""

import datetime

DEFAULT_SALES = {"north": 1841.0, "south": 1277.5, "west": 1119.0}


async def run(input_dict, tools):
    quarter = input_dict.get("quarter", "2026-Q1")
    sales = input_dict.get("sales", DEFAULT_SALES)
    best = max(sales, key=sales.get)
    report = {
        "quarter": quarter,
        "total": round(sum(sales.values()), 2),
        "by_region": sales,
        "best_region": best,
        "published_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

    shared = data_store.use_namespace("shared-reports")
    shared.set("quarterly-report", report, metadata={"quarter": quarter})
    print(f"Published the {quarter} report: total {report['total']}, best region {best}.")
    return {"published": "shared-reports/quarterly-report", "report": report}
