"""Consumer of a producer → consumer pair: read the report the producer published.

Pattern: read from the shared namespace and cope with the report not being there yet -- a
consumer may run before the producer, and a different user never sees it at all.

Run it after ``producer.py`` (same user), and once as another user who sees nothing::

    sandbox-host run examples/agents/consumer.py --user alice --agent report-consumer
    sandbox-host run examples/agents/consumer.py --user bob --agent report-consumer
"""


async def run(input_dict, tools):
    shared = data_store.use_namespace("shared-reports")
    report = shared.get("quarterly-report")
    if report is None:
        print("No quarterly report published yet -- run the producer first (as the same user).")
        return {"found": False, "report": None}

    print(f"Read the {report['quarter']} report: best region {report['best_region']}.")
    return {
        "found": True,
        "report": report,
        "headline": f"{report['quarter']}: {report['total']} total, "
        f"led by {report['best_region']}",
    }
