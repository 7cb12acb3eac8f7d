# input: {"record": {"service": "billing", "status": "degraded", "latency_ms": 812}}
TEMPLATE = "{service}: {status} ({latency_ms} ms)"


async def run(input_dict, tools):
    record = input_dict["record"]
    return {"line": TEMPLATE.format_map(record),
            "padded": "{service:>10}|{latency_ms:06d}".format_map(record)}
